// Package failtest checks that a test helper fails or skips the test when
// it should. Run calls the helper with a stand-in for the test that
// records the failure or skip and, on Fatal, FailNow or Skip, stops the
// helper there as the testing package would, while the real test goes on
// to look at what was recorded.
//
// Only tests import it. It holds no assertions of its own.
package failtest
