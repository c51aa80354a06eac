package council

import (
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// invitation writes a meeting as an iCalendar (RFC 5545) invitation: one
// event whose UID is the meeting's, so a calendar updates it in place when
// the meeting moves, cancelled when the meeting is.
func invitation(v MeetingView, attendees []string, baseURL, center, organizer string, now time.Time) []byte {
	cal := ics.NewCalendarFor("certhub")
	cal.SetMethod(ics.MethodRequest)
	e := cal.AddEvent(v.ID + "@certhub")
	e.SetDtStampTime(now.UTC())
	e.SetModifiedAt(v.UpdatedAt.UTC())
	e.SetSequence(int(v.UpdatedAt.Unix() - v.CreatedAt.Unix()))
	e.SetStartAt(v.StartsAt.UTC())
	e.SetEndAt(v.EndsAt.UTC())
	e.SetSummary("CERT Council: " + v.Title)
	if v.Place != "" {
		e.SetLocation(v.Place)
	}
	url := baseURL + "/console/council/meetings/" + v.ID
	var agenda []string
	for _, it := range v.Items {
		line := strings.TrimSpace(it.Title)
		if it.Presenter != "" {
			line += " (" + it.Presenter + ")"
		}
		agenda = append(agenda, strconv.Itoa(it.Position)+". "+line)
	}
	desc := "Agenda and papers: " + url
	if len(agenda) > 0 {
		desc = "Agenda:\n" + strings.Join(agenda, "\n") + "\n\n" + desc
	}
	e.SetDescription(desc)
	e.SetURL(url)
	if organizer != "" {
		e.SetOrganizer("mailto:"+organizer, ics.WithCN(center))
	}
	status := ics.ObjectStatusConfirmed
	if v.Status == Cancelled {
		status = ics.ObjectStatusCancelled
	}
	e.SetStatus(status)
	for _, a := range attendees {
		e.AddAttendee("mailto:"+a, ics.WithRSVP(true))
	}
	return []byte(cal.Serialize())
}
