package cases

// SetSearchWindow sets how many newest cases a search reads before it reads through the indexes,
// and returns the function that restores it.
func SetSearchWindow(n int) func() {
	old := searchWindow
	searchWindow = n
	return func() { searchWindow = old }
}
