package operator

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/tilgang/tilgang/internal/config"
)

// restartWait bounds the wait for one function's update (Lambda's own
// waiter polls; this is no test's bound).
const restartWait = 5 * time.Minute

// restartFunctions makes every function of env's stack that reads a
// sealing ring start afresh: functions read their key secrets at cold
// start (internal/app), so a rotated ring takes effect only in new
// execution environments. Any change of a function's configuration makes
// Lambda start new ones; the description records why. It waits for each
// update, and returns the functions' names.
func restartFunctions(ctx context.Context, env *Env, why string) ([]string, error) {
	cf := cloudformation.NewFromConfig(env.AWS)
	lc := lambda.NewFromConfig(env.AWS)
	var names []string
	pages := cloudformation.NewListStackResourcesPaginator(cf, &cloudformation.ListStackResourcesInput{StackName: aws.String(env.Stack)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return names, fmt.Errorf("list the functions of stack %s: %w", env.Stack, err)
		}
		for _, r := range page.StackResourceSummaries {
			if aws.ToString(r.ResourceType) == "AWS::Lambda::Function" {
				names = append(names, aws.ToString(r.PhysicalResourceId))
			}
		}
	}
	var restarted []string
	for _, name := range names {
		fn, err := lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
		if err != nil {
			return restarted, fmt.Errorf("read function %s: %w", name, err)
		}
		if fn.Environment == nil || !readsRing(fn.Environment.Variables) {
			continue
		}
		desc, _, _ := strings.Cut(aws.ToString(fn.Description), restartMark)
		_, err = lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String(name),
			Description:  aws.String(strings.TrimSpace(desc) + restartMark + why + "]"),
		})
		if err != nil {
			return restarted, fmt.Errorf("restart function %s: %w", name, err)
		}
		err = lambda.NewFunctionUpdatedWaiter(lc).Wait(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)}, restartWait)
		if err != nil {
			return restarted, fmt.Errorf("wait for function %s: %w", name, err)
		}
		restarted = append(restarted, name)
	}
	return restarted, nil
}

// restartMark starts the note restartFunctions adds to a description; a
// deploy removes it.
const restartMark = " [restarted for "

// readsRing reports whether a function's environment names a ring secret.
func readsRing(vars map[string]string) bool {
	return vars[config.EnvSealKeySecret] != "" || vars[config.EnvOpenKeySecret] != ""
}
