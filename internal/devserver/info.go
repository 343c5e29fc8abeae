package devserver

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tilgang/tilgang/internal/admin"
	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/localstack"
	"github.com/tilgang/tilgang/internal/scim"
)

// Info is the content of .local/dev.json (SPEC §11), which scripts and
// tests read to find the running product.
type Info struct {
	Web   endpoint `json:"web"`
	SCIM  endpoint `json:"scim"`
	Admin endpoint `json:"admin"`
	// Console is the administrators' console (SPEC §11).
	Console endpoint `json:"console"`
	S3      s3Info   `json:"s3"`
	// DynamoDB is not in SPEC §11's list; sam local and ad-hoc scripts
	// need it to reach the table.
	DynamoDB dynamoInfo `json:"dynamodb"`
	Mail     mailInfo   `json:"mail"`
	Orgs     []orgInfo  `json:"orgs"`
	// SES and CPRKey are not in SPEC §11's list either: the operator
	// command (tilgang --local) reaches the stack through them, as it
	// reaches a deployed stack through its outputs and secret.
	SES    sesInfo `json:"ses"`
	CPRKey string  `json:"cprKey"` // base64, as CPR_KEY
}

type sesInfo struct {
	Endpoint string `json:"endpoint"`
	StoreURL string `json:"storeUrl"` // the emulator's store of sent mail
}

type endpoint struct {
	BaseURL string `json:"baseUrl"`
}

type s3Info struct {
	Endpoint string `json:"endpoint"`
	Region   string `json:"region"`
	Bucket   string `json:"bucket"`
}

type dynamoInfo struct {
	Endpoint string `json:"endpoint"`
	Table    string `json:"table"`
}

type mailInfo struct {
	URL string `json:"url"`
}

type orgInfo struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	SCIMToken     string `json:"scimToken"`
	AdminToken    string `json:"adminToken"`
	AdminEmail    string `json:"adminEmail"` // the seeded company-admin, who signs in to the console
	ImportPrefix  string `json:"importPrefix"`
	ReceiptPrefix string `json:"receiptPrefix"`
}

func describe(base string, stack *localstack.Stack, orgs []demoOrg) Info {
	info := Info{
		Web:      endpoint{base},
		SCIM:     endpoint{base + scim.Prefix},
		Admin:    endpoint{base + admin.Prefix},
		Console:  endpoint{core.ConsoleURL("", base)},
		S3:       s3Info{Endpoint: stack.S3Endpoint, Region: stack.Region, Bucket: BucketName},
		Mail:     mailInfo{URL: base + mailPath},
		DynamoDB: dynamoInfo{Endpoint: stack.DynamoDBEndpoint, Table: TableName},
		SES:      sesInfo{Endpoint: stack.SESEndpoint, StoreURL: stack.MailStoreURL()},
	}
	for _, o := range orgs {
		info.Orgs = append(info.Orgs, orgInfo{
			ID: o.org.ID, Name: o.org.Name, SCIMToken: o.creds.SCIMToken, AdminToken: o.creds.AdminToken, AdminEmail: o.adminEmail,
			ImportPrefix: "imports/" + o.org.ID + "/", ReceiptPrefix: "receipts/" + o.org.ID + "/",
		})
	}
	return info
}

// writeJSON writes the file readable only by its owner: it holds tokens.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Chmod(path, 0o600) // WriteFile keeps the mode of a file that exists

}

func printBanner(w io.Writer, info Info, took time.Duration) {
	fmt.Fprintf(w, "\ntilgang is running (ready in %.1fs)\n\n", took.Seconds())
	fmt.Fprintf(w, "  admin API   %s\n", info.Admin.BaseURL)
	fmt.Fprintf(w, "  SCIM        %s\n", info.SCIM.BaseURL)
	fmt.Fprintf(w, "  console     %s\n", info.Console.BaseURL)
	fmt.Fprintf(w, "  pages       %s/activate/…  %s/invitations/…\n", info.Web.BaseURL, info.Web.BaseURL)
	fmt.Fprintf(w, "  sent mail   %s\n", info.Mail.URL)
	fmt.Fprintf(w, "  S3          %s  bucket %s (any access key, path-style)\n", info.S3.Endpoint, info.S3.Bucket)
	for _, o := range info.Orgs {
		fmt.Fprintf(w, "\n  %s (%s)\n    console sign-in: %s (the link arrives in sent mail)\n", o.Name, o.ID, o.AdminEmail)
	}
	// Files written straight into the bucket are ignored, as in AWS: only
	// an upload an administrator was granted is imported.
	fmt.Fprintf(w, "\n  CSV imports: POST %s/imports {\"contentLength\": <bytes>}, then PUT the file to the url it answers\n", info.Admin.BaseURL)
	fmt.Fprintf(w, "\n  tokens and all of the above: .local/dev.json\n  Ctrl-C stops everything.\n\n")
}
