package web

// formError is the errors of a form refused with one message that concerns one field (a wrong
// password, a refused file): that field's entry, or none when msg is "".
func formError(field, msg string) map[string]string {
	if msg == "" {
		return nil
	}
	return map[string]string{field: msg}
}
