package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"homeward/internal/cases"
)

// names is a pool of fictional names in one script. noFamily is the share (in percent) of persons
// known by one name only (common for Indonesians and Burmese).
type names struct {
	male, female, family []string
	noFamily             int
}

// The name pools. Every combination is fictional.
var (
	thaiNames = names{
		male:   []string{"สมชาย", "ธนากร", "วีระพงษ์", "อนุชา", "ณัฐวุฒิ", "กิตติพัฒน์", "ประเสริฐ", "ศุภชัย", "ชยพล", "พงศกร"},
		female: []string{"สุภาพร", "กนกวรรณ", "วิภาวดี", "ปิยะนุช", "ณัฐธิดา", "อรอุมา", "จันทร์เพ็ญ", "พิมพ์ชนก", "ศิริพร", "รัตนาภรณ์"},
		family: []string{"ใจดี", "ศรีสุข", "บุญมา", "แสงทอง", "วงศ์สวัสดิ์", "ทองดี", "พรหมวงศ์", "สุขเจริญ", "มั่นคง", "ชัยมงคล", "อินทร์แก้ว", "ปัญญาดี"},
	}
	thaiLatinNames = names{
		male:   []string{"Somchai", "Thanakorn", "Anucha", "Kittipat", "Weerapong", "Suppachai"},
		female: []string{"Supaporn", "Kanokwan", "Siriporn", "Pimchanok", "Orn-uma", "Wipawadee"},
		family: []string{"Jaidee", "Srisuk", "Boonma", "Saengthong", "Wongsawat", "Thongdee", "Chaimongkol"},
	}
	khmerNames = names{
		male:   []string{"ដារ៉ា", "វណ្ណៈ", "ពិសិដ្ឋ", "រិទ្ធី", "វិចិត្រ", "សំណាង", "បូរ៉ា", "សុវណ្ណ", "វាសនា", "ចំរើន"},
		female: []string{"សុភា", "ស្រីមុំ", "ចាន់ធូ", "ដាលីន", "ធីតា", "សុគន្ធា", "រស្មី", "បុប្ផា", "ស្រីពៅ", "លក្ខិណា"},
		family: []string{"សុខ", "ចាន់", "គឹម", "ហេង", "លី", "ម៉ៅ", "សេង", "កែវ", "ស៊ុន", "ពេជ្រ", "ឡុង", "ទេព"},
	}
	khmerLatinNames = names{
		male:   []string{"Dara", "Vannak", "Piseth", "Rithy", "Samnang", "Bora", "Veasna"},
		female: []string{"Sophea", "Sreymom", "Chanthou", "Thida", "Bopha", "Leakhena", "Sreypov"},
		family: []string{"Sok", "Chan", "Kim", "Heng", "Ly", "Mao", "Seng", "Keo", "Tep"},
	}
	indonesianNames = names{
		male:     []string{"Agus", "Budi", "Rizky", "Dimas", "Fajar", "Andi", "Yusuf", "Hendra", "Arif", "Wahyu"},
		female:   []string{"Siti", "Dewi", "Putri", "Rina", "Ayu", "Nur", "Wulan", "Indah", "Fitri", "Lestari"},
		family:   []string{"Santoso", "Wijaya", "Saputra", "Hidayat", "Pratama", "Kurniawan", "Setiawan", "Nugroho", "Lubis", "Siregar", "Simanjuntak"},
		noFamily: 25,
	}
	vietnameseNames = names{
		male:   []string{"Văn Hùng", "Minh Tuấn", "Đức Anh", "Quốc Bảo"},
		female: []string{"Thị Lan", "Thị Hoa", "Ngọc Mai", "Thu Trang"},
		family: []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng"},
	}
	chineseNames = names{
		male:   []string{"Wei", "Hao", "Jun", "Lei"},
		female: []string{"Na", "Xiu Ying", "Mei", "Jing"},
		family: []string{"Wang", "Li", "Zhang", "Liu", "Chen"},
	}
	kenyanNames = names{
		male:   []string{"Brian", "Kevin", "Dennis", "Collins"},
		female: []string{"Faith", "Mercy", "Winnie", "Sharon"},
		family: []string{"Otieno", "Wanjiru", "Kiprono", "Achieng", "Mwangi", "Njoroge"},
	}
	laoNames = names{
		male:   []string{"Somphone", "Khamla", "Bounthavy", "Sengphet"},
		female: []string{"Noy", "Vanhsy", "Chanthala", "Manivone"},
		family: []string{"Keomany", "Phommachanh", "Sisouk", "Vongsa", "Inthavong"},
	}
	myanmarNames = names{
		male:     []string{"Aung Ko Ko", "Nay Lin Htet", "Kyaw Zin", "Min Thant"},
		female:   []string{"Su Mon", "Thida Win", "Ei Phyu", "Hnin Wai"},
		family:   []string{"Kyaw", "Oo", "Htun"},
		noFamily: 70,
	}
)

// group is a share of a store's persons of one nationality, named from one pool.
type group struct {
	nationality string
	count       int
	names       *names
	languages   [][]string // one is chosen per person
	docPrefix   string     // passport number prefix; digits follow
	docDigits   int
	phone       string // international prefix of family contacts
}

// relations are whom a contact number reaches.
var relations = []string{"mother", "father", "sister", "brother", "wife", "husband", "cousin", "aunt"}

// generate draws the persons of the groups in a fixed, shuffled order. Ages are relative to now so
// that minors stay minors; everything else depends only on r.
func generate(r *rand.Rand, now time.Time, groups []group) []cases.IntakeInput {
	var out []cases.IntakeInput
	for _, g := range groups {
		for range g.count {
			out = append(out, person(r, now, g))
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// person draws one person of a group.
func person(r *rand.Rand, now time.Time, g group) cases.IntakeInput {
	in := cases.IntakeInput{Nationality: g.nationality, Sex: "male"}
	pool := g.names.male
	if r.IntN(100) < 40 {
		in.Sex, pool = "female", g.names.female
	}
	in.GivenName = pick(r, pool)
	if r.IntN(100) >= g.names.noFamily {
		in.FamilyName = pick(r, g.names.family)
	}
	age := 19 + r.IntN(27)
	if r.IntN(100) < 15 {
		age = 15 + r.IntN(3)
	}
	if r.IntN(2) == 0 {
		in.BirthDate = birthDate(r, now, age)
	} else {
		est := age
		in.AgeEstimate = &est
	}
	in.Languages = g.languages[r.IntN(len(g.languages))]
	if r.IntN(100) < 40 {
		in.DocumentNumber = g.docPrefix + digits(r, g.docDigits)
	}
	if r.IntN(100) < 35 {
		in.Contact = fmt.Sprintf("%s: %s %s %s", pick(r, relations), g.phone, digits(r, 3), digits(r, 4))
	}
	return in
}

// birthDate returns a date of birth of someone aged exactly age today (minors) or age or age+1
// (adults, any day of the year).
func birthDate(r *rand.Rand, now time.Time, age int) string {
	if age < 18 {
		// Their birthday fell in the last six months, so they stay this age for a while.
		d := time.Date(now.Year()-age, now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -r.IntN(6), 0)
		return d.Format("2006-01-02")
	}
	d := time.Date(now.Year()-age-1, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	return d.Format("2006-01-02")
}

// pick returns one element of a non-empty list.
func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// digits returns n random decimal digits.
func digits(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}
