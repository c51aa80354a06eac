package procurement

// onePage cuts a list read with one row more than want to a page, and
// answers the cursor of the next one ("" on the last page).
func onePage[T any](list []T, want int, cursor func(T) string) ([]T, string) {
	if len(list) <= want {
		return list, ""
	}
	list = list[:want]
	return list, cursor(list[want-1])
}
