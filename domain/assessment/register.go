package assessment

import "github.com/iup-platform/iup/domain"

func init() {
	domain.Register[EntryIndexed](domain.Events, 1)
}
