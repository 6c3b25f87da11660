package demo

import (
	"context"
	"fmt"

	"homeward/internal/directory"
)

// agencies are the nine agencies of DOMAIN.md ("Agencies in the demo data").
var agencies = []directory.NewAgency{
	{
		Slug: "th-pct", Kind: directory.KindPolice, Country: "TH",
		NameEN: "Police Cyber Taskforce",
		NameTH: "หน่วยเฉพาะกิจตำรวจไซเบอร์",
		NameKM: "ក្រុមការងារពិសេសប៉ូលិសសាយប័រ (ថៃ)",
	},
	{
		Slug: "th-msdhs-sakaeo", Kind: directory.KindSocialWelfare, Country: "TH",
		NameEN: "MSDHS Protection Centre, Sa Kaeo",
		NameTH: "ศูนย์คุ้มครองผู้เสียหายจากการค้ามนุษย์ กระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์ จังหวัดสระแก้ว",
		NameKM: "មជ្ឈមណ្ឌលការពារ ក្រសួងអភិវឌ្ឍន៍សង្គមនិងសន្តិសុខមនុស្សថៃ ខេត្តស្រះកែវ",
	},
	{
		Slug: "kh-cnp-aht", Kind: directory.KindPolice, Country: "KH",
		NameEN: "Cambodian National Police, Anti-Human Trafficking Department",
		NameTH: "ตำรวจแห่งชาติกัมพูชา กองปราบปรามการค้ามนุษย์",
		NameKM: "នគរបាលជាតិកម្ពុជា នាយកដ្ឋានប្រឆាំងការជួញដូរមនុស្ស",
	},
	{
		Slug: "kh-mosvy-poipet", Kind: directory.KindSocialWelfare, Country: "KH",
		NameEN: "MoSVY Poipet Transit Centre",
		NameTH: "ศูนย์พักพิงชั่วคราวปอยเปต กระทรวงกิจการสังคม ทหารผ่านศึก และการฟื้นฟูเยาวชน",
		NameKM: "មជ្ឈមណ្ឌលស្នាក់នៅបណ្ដោះអាសន្នប៉ោយប៉ែត ក្រសួងសង្គមកិច្ច អតីតយុទ្ធជន និងយុវនីតិសម្បទា",
	},
	{
		Slug: "th-embassy-pnh", Kind: directory.KindEmbassy, WorksIn: "KH", ServesNationality: "TH",
		NameEN: "Royal Thai Embassy, Phnom Penh",
		NameTH: "สถานเอกอัครราชทูต ณ กรุงพนมเปญ",
		NameKM: "ស្ថានទូតព្រះរាជាណាចក្រថៃ ប្រចាំនៅរាជធានីភ្នំពេញ",
	},
	{
		Slug: "kh-embassy-bkk", Kind: directory.KindEmbassy, WorksIn: "TH", ServesNationality: "KH",
		NameEN: "Royal Embassy of Cambodia, Bangkok",
		NameTH: "สถานเอกอัครราชทูตกัมพูชาประจำประเทศไทย",
		NameKM: "ស្ថានទូតនៃព្រះរាជាណាចក្រកម្ពុជា ប្រចាំនៅទីក្រុងបាងកក",
	},
	{
		Slug: "id-embassy-pnh", Kind: directory.KindEmbassy, WorksIn: "KH", ServesNationality: "ID",
		NameEN: "Embassy of Indonesia, Phnom Penh",
		NameTH: "สถานเอกอัครราชทูตอินโดนีเซีย ณ กรุงพนมเปญ",
		NameKM: "ស្ថានទូតឥណ្ឌូនេស៊ី ប្រចាំនៅរាជធានីភ្នំពេញ",
	},
	{
		Slug: "ngo-th-legal", Kind: directory.KindNGO, WorksIn: "TH",
		NameEN: "Border Legal Aid Foundation",
		NameTH: "มูลนิธิช่วยเหลือทางกฎหมายชายแดน",
		NameKM: "មូលនិធិជំនួយផ្លូវច្បាប់តាមព្រំដែន",
	},
	{
		Slug: "ngo-kh-shelter", Kind: directory.KindNGO, WorksIn: "KH",
		NameEN: "Mekong Safe Haven",
		NameTH: "บ้านพักปลอดภัยแม่โขง",
		NameKM: "ជម្រកសុវត្ថិភាពមេគង្គ",
	},
}

// demoUser is one demo login: one role in one agency.
type demoUser struct {
	slug, role, name string
}

// users are the demo logins of CONTRACT.md ("Demo users"), one user per role.
var users = []demoUser{
	{"th-msdhs-sakaeo", "caseworker", "กนกพร ศรีวงศ์"},
	{"th-msdhs-sakaeo", "supervisor", "สุรเชษฐ์ มณีรัตน์"},
	{"th-msdhs-sakaeo", "country_admin", "วรรณา ทองประเสริฐ"},
	{"th-msdhs-sakaeo", "auditor", "ประภาส จันทร์หอม"},
	{"th-msdhs-sakaeo", "analyst", "ชุติมา แก้วมณี"},
	{"kh-mosvy-poipet", "caseworker", "ចាន់ សុភាព"},
	{"kh-mosvy-poipet", "supervisor", "ហេង វិសាល"},
	{"kh-mosvy-poipet", "country_admin", "គឹម សុជាតា"},
	{"kh-mosvy-poipet", "auditor", "លី បញ្ញា"},
	{"kh-mosvy-poipet", "analyst", "ម៉ៅ ចិន្តា"},
	{"th-pct", "investigator", "ธีรวัฒน์ พลอยงาม"},
	{"th-pct", "supervisor", "อภิชาติ ศักดิ์ดี"},
	{"kh-cnp-aht", "investigator", "ពេជ្រ សម្បត្តិ"},
	{"kh-cnp-aht", "supervisor", "ទេព វណ្ណារិទ្ធ"},
	{"th-embassy-pnh", "embassy_officer", "ณัฐพล เรืองศรี"},
	{"kh-embassy-bkk", "embassy_officer", "ស៊ុន ដាវី"},
	{"id-embassy-pnh", "embassy_officer", "Rahmat Hidayat"},
	{"ngo-th-legal", "ngo_worker", "วราภรณ์ ชัยสิทธิ์"},
	{"ngo-kh-shelter", "ngo_worker", "កែវ ស្រីល័ក្ខ"},
}

// email is the demo login of a role in an agency: ROLE@AGENCY-SLUG.demo.
func (u demoUser) email() string { return u.role + "@" + u.slug + ".demo" }

// createAgencies adds the demo agencies and returns their ids by slug.
func createAgencies(ctx context.Context, dir *directory.Service) (map[string]string, error) {
	ids := make(map[string]string, len(agencies))
	for _, in := range agencies {
		a, err := dir.CreateAgency(ctx, "", in)
		if err != nil {
			return nil, fmt.Errorf("demo: agency %s: %w", in.Slug, err)
		}
		ids[in.Slug] = a.ID
	}
	return ids, nil
}

// createUsers adds the demo users, one at a time (password hashing is slow by design), and returns
// their ids by email.
func createUsers(ctx context.Context, dir *directory.Service, agencyIDs map[string]string) (map[string]string, error) {
	ids := make(map[string]string, len(users))
	for _, u := range users {
		agencyID, ok := agencyIDs[u.slug]
		if !ok {
			return nil, fmt.Errorf("demo: user %s: unknown agency %s", u.email(), u.slug)
		}
		created, err := dir.CreateUser(ctx, "", u.email(), u.name, Password, agencyID, u.role)
		if err != nil {
			return nil, fmt.Errorf("demo: user %s: %w", u.email(), err)
		}
		ids[u.email()] = created.ID
	}
	return ids, nil
}
