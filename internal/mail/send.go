package mail

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// input is the SendEmail request of a rendered message: simple content
// with a plain-text and an HTML part, both UTF-8.
func (m *Mailer) input(to []string, msg message) *sesv2.SendEmailInput {
	content := func(s string) *types.Content {
		return &types.Content{Data: aws.String(s), Charset: aws.String("UTF-8")}
	}
	return &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.from),
		Destination:      &types.Destination{ToAddresses: to},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: content(msg.Subject),
			Body:    &types.Body{Text: content(msg.Text), Html: content(msg.HTML)},
			// RFC 3834: out-of-office replies and the like should not
			// answer a machine.
			Headers: []types.MessageHeader{{Name: aws.String("Auto-Submitted"), Value: aws.String("auto-generated")}},
		}},
	}
}
