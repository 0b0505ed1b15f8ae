package main

import (
	"os"
	"strings"
	"testing"
)

// TestLicense checks that LICENSE holds the full Apache License 2.0: its
// title and every one of its nine sections.
func TestLicense(t *testing.T) {
	b, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(b)), " ")
	for _, want := range []string{
		"Apache License Version 2.0, January 2004 http://www.apache.org/licenses/",
		"TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
		"1. Definitions.", "2. Grant of Copyright License.", "3. Grant of Patent License.", "4. Redistribution.",
		"5. Submission of Contributions.", "6. Trademarks.", "7. Disclaimer of Warranty.",
		"8. Limitation of Liability.", "9. Accepting Warranty or Additional Liability.",
		"END OF TERMS AND CONDITIONS",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("LICENSE lacks %q", want)
		}
	}
	if n := len(strings.Fields(string(b))); n < 1500 {
		t.Errorf("LICENSE has %d words; the Apache License 2.0 has about 1,600", n)
	}
}
