package failtest

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// Outcome is what a helper did to the test it was given: the message of
// its first failure and of its skip, empty when it did neither.
type Outcome struct {
	Failed  string
	Skipped string
}

// Run calls fn with a stand-in for t in a goroutine of its own and waits
// for it to return or stop. Everything but failing and skipping (Cleanup,
// TempDir, Log, Setenv…) goes to t.
func Run(t testing.TB, fn func(testing.TB)) Outcome {
	t.Helper()
	s := &stand{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(s)
	}()
	<-done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out
}

// stand is the stand-in: it records instead of failing t.
type stand struct {
	testing.TB
	mu  sync.Mutex
	out Outcome
}

func (s *stand) fail(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out.Failed == "" {
		s.out.Failed = msg
	}
}

func (s *stand) skip(msg string) {
	s.mu.Lock()
	s.out.Skipped = msg
	s.mu.Unlock()
	runtime.Goexit()
}

func (s *stand) Helper()                           {}
func (s *stand) Fail()                             { s.fail("Fail") }
func (s *stand) Error(args ...any)                 { s.fail(fmt.Sprintln(args...)) }
func (s *stand) Errorf(format string, args ...any) { s.fail(fmt.Sprintf(format, args...)) }
func (s *stand) FailNow()                          { s.fail("FailNow"); runtime.Goexit() }
func (s *stand) Fatal(args ...any)                 { s.fail(fmt.Sprintln(args...)); runtime.Goexit() }
func (s *stand) Fatalf(format string, args ...any) {
	s.fail(fmt.Sprintf(format, args...))
	runtime.Goexit()
}
func (s *stand) Skip(args ...any)                 { s.skip(fmt.Sprintln(args...)) }
func (s *stand) Skipf(format string, args ...any) { s.skip(fmt.Sprintf(format, args...)) }
func (s *stand) SkipNow()                         { s.skip("SkipNow") }

func (s *stand) Failed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Failed != ""
}

func (s *stand) Skipped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Skipped != ""
}
