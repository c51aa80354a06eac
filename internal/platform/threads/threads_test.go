package threads_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/platform/threads"
)

func TestMentionsAndQuotes(t *testing.T) {
	if got := threads.Mentions("@BankCERT and (@nCERT), mail@example.org, @bankcert again, @telco-cert."); !slices.Equal(got, []string{"bankcert", "ncert", "telco-cert"}) {
		t.Errorf("mentions: %q", got)
	}
	text := "Yes, the 14th.\r\nSee you.\r\n\r\nOn Sunday, TelcoCERT wrote:\r\n> Shall we?\r\n"
	if got := threads.QuotedReply(text); got != "Yes, the 14th.\nSee you." {
		t.Errorf("quoted reply: %q", got)
	}
	if got := threads.QuotedReply("Done.\n-- \nAnalyst\n+92 000"); got != "Done." {
		t.Errorf("signature: %q", got)
	}
	for addr, want := range map[string]string{"reply+abc@cert.example": "abc", "REPLY+ABC@cert.example": "abc", "report@cert.example": "", "reply+@x": "", "reply+abc": ""} {
		if got, ok := threads.TokenOf(addr); got != want || ok != (want != "") {
			t.Errorf("TokenOf(%q) = %q, %v", addr, got, ok)
		}
	}
	if _, err := threads.CheckBody(" \n ", 10); !errs.HasField(err, "body") {
		t.Errorf("empty body: %v", err)
	}
	if _, err := threads.CheckBody(strings.Repeat("é", 11), 10); !errs.HasField(err, "body") {
		t.Errorf("long body: %v", err)
	}
}

// A domain's tables through the one mechanism, and reply tokens, on both
// engines.
func TestPostsAndReplyTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, ddl := range []string{
			`CREATE TABLE t_threads (id TEXT PRIMARY KEY, scope TEXT NOT NULL)`,
			`CREATE TABLE t_posts (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL, thread_id TEXT NOT NULL, scope TEXT NOT NULL, author_user_id TEXT,
				author_org_id TEXT, author_name TEXT NOT NULL, body TEXT NOT NULL, via TEXT NOT NULL DEFAULT 'web', created_at TIMESTAMPTZ NOT NULL)`,
			`INSERT INTO t_threads (id, scope) VALUES ('t1', 'case-7')`,
		} {
			if _, err := d.Exec(ctx, db.TranslateDDL(d.Engine(), ddl)); err != nil {
				t.Fatal(err)
			}
		}
		tb := threads.Tables{Threads: "t_threads", Posts: "t_posts", Copy: []string{"scope"}}
		now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		err := d.Write(ctx, func(tx *db.Tx) error {
			for i, via := range []string{"", "", threads.ViaEmail, "", ""} {
				p := threads.Post{ID: string(rune('a' + i)), ThreadID: "t1", AuthorName: "A", Body: "post " + string(rune('a'+i)), Via: via, CreatedAt: now}
				if err := tb.Add(ctx, tx, "", &p); err != nil {
					return err
				}
				if p.Seq == 0 {
					t.Error("no seq")
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var scope string
		if err := d.QueryRow(ctx, `SELECT scope FROM t_posts WHERE id = 'c'`).Scan(&scope); err != nil || scope != "case-7" {
			t.Errorf("the copied column: %q %v", scope, err)
		}
		pg, err := tb.List(ctx, d, "t1", 0, 2, 3)
		if err != nil || len(pg.Posts) != 2 || pg.Posts[0].ID != "d" || pg.Posts[1].ID != "e" || !pg.Posts[1].Unread || pg.Older != pg.Posts[0].Seq {
			t.Fatalf("latest page: %+v %v", pg, err)
		}
		pg, err = tb.List(ctx, d, "t1", pg.Older, 2, 3)
		if err != nil || len(pg.Posts) != 2 || pg.Posts[1].ID != "c" || pg.Posts[1].Via != threads.ViaEmail || pg.Posts[0].Via != "" || pg.Posts[1].Unread {
			t.Fatalf("older page: %+v %v", pg, err)
		}

		var token string
		err = d.Write(ctx, func(tx *db.Tx) error {
			var err error
			token, err = threads.MintReply(ctx, tx, threads.Reply{Kind: "test", Ref: "t1", OrgID: "o1", UserID: "u1", Email: "A@B.example"}, now)
			return err
		})
		if err != nil || len(token) != 32 {
			t.Fatalf("mint: %q %v", token, err)
		}
		var stored int
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM mail_replies WHERE token_hash = $1`, token).Scan(&stored)
		if stored != 0 {
			t.Error("the token is stored as it is")
		}
		r, err := threads.LookupReply(ctx, d, strings.ToUpper(token), now)
		if err != nil || r.Ref != "t1" || r.UserID != "u1" || r.Email != "a@b.example" {
			t.Fatalf("lookup: %+v %v", r, err)
		}
		if _, err := threads.LookupReply(ctx, d, token, now.Add(threads.ReplyValidity+time.Second)); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("an expired token: %v", err)
		}
		if _, err := threads.LookupReply(ctx, d, strings.Repeat("a", 32), now); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("an unknown token: %v", err)
		}
	})
}
