package localstack

import (
	"errors"
	"os"
	"path/filepath"
)

// FindRoot walks up from the working directory to the repository root, the
// nearest folder with a go.mod, where infra/emulators lives.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod in the working directory or above: run inside the repository")
		}
		dir = parent
	}
}
