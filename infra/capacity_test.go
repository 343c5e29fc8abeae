package infra_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/tilgang/tilgang/internal/capacity"
)

// TestCsvimportConcurrencyMatchesModel: the capacity model's imports at
// once (capacity.CsvimportConcurrency) is the csvimport function's
// reserved concurrency, which is what bounds them in AWS.
func TestCsvimportConcurrencyMatchesModel(t *testing.T) {
	tp := loadTemplate(t)
	fn := getMap(tp, "Resources", "CsvImportFunction", "Properties")
	if fn == nil {
		t.Fatal("no CsvImportFunction")
	}
	v := fn["ReservedConcurrentExecutions"]
	got, err := strconv.Atoi(fmt.Sprint(v))
	if err != nil {
		t.Fatalf("CsvImportFunction ReservedConcurrentExecutions = %v; want a number: without it, every upload imports at once", v)
	}
	if got != capacity.CsvimportConcurrency {
		t.Errorf("CsvImportFunction ReservedConcurrentExecutions = %d, the capacity model assumes %d: run make capacity with -concurrent %d and change both", got, capacity.CsvimportConcurrency, got)
	}
}
