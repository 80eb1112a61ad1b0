package assessment

import (
	"os"
	"reflect"
	"testing"

	"github.com/iup-platform/iup/domain"
)

func TestVersion1FixturesDecodeIntoCurrentTypes(t *testing.T) {
	cases := map[string]domain.Event{
		"assessment.entry-amended": EntryAmended{RoundID: "r1", StudentID: "s1", Term: ht, Field: FieldLevel, Level: "A",
			Reason: "Inlämnat prov rättat", OnBehalfOf: "tea-1"},
		"assessment.entry-comment-set": EntryCommentSet{RoundID: "r1", StudentID: "s1", Comment: "Visar god förståelse för bråk"},
	}
	for typ, want := range cases {
		data, err := os.ReadFile("testdata/" + typ + ".v1.json")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := domain.Events.Decode(typ, 1, data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ev, want) {
			t.Fatalf("%s decoded %#v, want %#v", typ, ev, want)
		}
	}
}

// Every event with a personal field names its data subject, so the content
// can be encrypted with the student's key.
func TestPersonalFieldsHaveADataSubject(t *testing.T) {
	for _, typ := range domain.Events.Types() {
		rt, _ := domain.Events.GoType(typ)
		personal := false
		for i := 0; i < rt.NumField(); i++ {
			personal = personal || rt.Field(i).Tag.Get("personal") == "true"
		}
		ev := reflect.New(rt).Elem().Interface()
		if _, ok := ev.(domain.DataSubject); personal && !ok {
			t.Errorf("%s has personal fields but no DataSubject", typ)
		}
	}
}
