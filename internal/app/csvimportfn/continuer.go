package csvimportfn

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// selfInvoker continues a CSV import that is about to reach the Lambda
// deadline: it invokes the running function again, asynchronously, with the
// same S3 event. The import record's checkpoint tells the new invocation
// where to go on.
type selfInvoker struct {
	client   *lambda.Client
	function string // the function's own name, from AWS_LAMBDA_FUNCTION_NAME
}

func (s selfInvoker) Continue(ctx context.Context, ev events.S3Event) error {
	payload, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("csvimport: encode continuation: %w", err)
	}
	_, err = s.client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(s.function),
		InvocationType: types.InvocationTypeEvent,
		Payload:        payload,
	})
	if err != nil {
		return fmt.Errorf("csvimport: invoke %s to continue the import: %w", s.function, err)
	}
	return nil
}
