package seedscale

// pool is a set of fictional names in one script; noFamily is the share (percent) of persons known
// by one name only; alias is a pool of the same names written in Latin script (aliases typed by
// an interpreter), nil when the pool is Latin already.
type pool struct {
	male, female, family []string
	noFamily             int
	alias                *pool
}

// group is a share (weight) of a store's persons of one nationality, named from one pool.
type group struct {
	nationality string
	weight      int
	names       *pool
	languages   [][]string
	docPrefix   string
	docDigits   int
	phone       string
}

// The pools: the demo's (internal/demo/people.go), widened so that a million persons do not share a
// handful of names. Every combination is fictional.
var (
	thaiLatin = pool{
		male:   []string{"Somchai", "Thanakorn", "Anucha", "Kittipat", "Weerapong", "Suppachai", "Nattawut", "Prasert", "Chayapol", "Pongsakorn", "Niran", "Wichai", "Sombat", "Chatchai", "Surasak"},
		female: []string{"Supaporn", "Kanokwan", "Siriporn", "Pimchanok", "Orn-uma", "Wipawadee", "Piyanuch", "Nattida", "Janpen", "Rattanaporn", "Malee", "Anong", "Kanya", "Sukanya", "Duangjai"},
		family: []string{"Jaidee", "Srisuk", "Boonma", "Saengthong", "Wongsawat", "Thongdee", "Chaimongkol", "Phromwong", "Sukcharoen", "Mankong", "Inkaew", "Panyadee", "Kaewmanee", "Sukswat", "Wongyai", "Rattanakul", "Siriwat", "Chantarasri"},
	}
	thai = pool{
		male:   []string{"สมชาย", "ธนากร", "อนุชา", "กิตติพัฒน์", "วีระพงษ์", "ศุภชัย", "ณัฐวุฒิ", "ประเสริฐ", "ชยพล", "พงศกร", "นิรันดร์", "วิชัย", "สมบัติ", "ฉัตรชัย", "สุรศักดิ์"},
		female: []string{"สุภาพร", "กนกวรรณ", "ศิริพร", "พิมพ์ชนก", "อรอุมา", "วิภาวดี", "ปิยะนุช", "ณัฐธิดา", "จันทร์เพ็ญ", "รัตนาภรณ์", "มาลี", "อนงค์", "กัญญา", "สุกัญญา", "ดวงใจ"},
		family: []string{"ใจดี", "ศรีสุข", "บุญมา", "แสงทอง", "วงศ์สวัสดิ์", "ทองดี", "ชัยมงคล", "พรหมวงศ์", "สุขเจริญ", "มั่นคง", "อินทร์แก้ว", "ปัญญาดี", "แก้วมณี", "สุขสวัสดิ์", "วงศ์ใหญ่", "รัตนกุล", "ศิริวัฒน์", "จันทรศรี"},
		alias:  &thaiLatin,
	}
	khmerLatin = pool{
		male:   []string{"Dara", "Vannak", "Piseth", "Rithy", "Vichet", "Samnang", "Bora", "Sovann", "Veasna", "Chamroeun", "Kosal", "Sokha", "Rotha", "Sophal", "Chenda"},
		female: []string{"Sophea", "Sreymom", "Chanthou", "Dalin", "Thida", "Sokunthea", "Raksmey", "Bopha", "Sreypov", "Leakhena", "Vanna", "Mony", "Sreyneang", "Pisey", "Nary"},
		family: []string{"Sok", "Chan", "Kim", "Heng", "Ly", "Mao", "Seng", "Keo", "Sun", "Pich", "Long", "Tep", "Phal", "Sar", "Touch", "Meas", "Nhem", "Ouk", "Prak", "Chea", "Yim", "Vong"},
	}
	khmer = pool{
		male:   []string{"ដារ៉ា", "វណ្ណៈ", "ពិសិដ្ឋ", "រិទ្ធី", "វិចិត្រ", "សំណាង", "បូរ៉ា", "សុវណ្ណ", "វាសនា", "ចំរើន", "កុសល", "សុខា", "រដ្ឋា", "សុផល", "ចិន្តា"},
		female: []string{"សុភា", "ស្រីមុំ", "ចាន់ធូ", "ដាលីន", "ធីតា", "សុគន្ធា", "រស្មី", "បុប្ផា", "ស្រីពៅ", "លក្ខិណា", "វណ្ណា", "មុន្នី", "ស្រីនាង", "ពិសី", "ណារី"},
		family: []string{"សុខ", "ចាន់", "គឹម", "ហេង", "លី", "ម៉ៅ", "សេង", "កែវ", "ស៊ុន", "ពេជ្រ", "ឡុង", "ទេព", "ផល", "សារ", "ទូច", "មាស", "ញឹម", "អ៊ុក", "ប្រាក់", "ជា", "យឹម", "វង្ស"},
		alias:  &khmerLatin,
	}
	indonesian = pool{
		male:     []string{"Agus", "Budi", "Rizky", "Dimas", "Fajar", "Andi", "Yusuf", "Hendra", "Arif", "Wahyu", "Eko", "Joko", "Bayu", "Dedi"},
		female:   []string{"Siti", "Dewi", "Putri", "Rina", "Ayu", "Nur", "Wulan", "Indah", "Fitri", "Lestari", "Sri", "Yuni", "Ratna", "Maya"},
		family:   []string{"Santoso", "Wijaya", "Saputra", "Hidayat", "Pratama", "Kurniawan", "Setiawan", "Nugroho", "Lubis", "Siregar", "Simanjuntak", "Hasibuan", "Harahap", "Purnomo"},
		noFamily: 25,
	}
	vietnamese = pool{
		male:   []string{"Văn Hùng", "Minh Tuấn", "Đức Anh", "Quốc Bảo", "Văn Nam", "Thanh Sơn"},
		female: []string{"Thị Lan", "Thị Hoa", "Ngọc Mai", "Thu Trang", "Thị Hằng", "Phương Anh"},
		family: []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"},
	}
	chinese = pool{
		male:   []string{"Wei", "Hao", "Jun", "Lei", "Qiang", "Tao"},
		female: []string{"Na", "Xiu Ying", "Mei", "Jing", "Li Na", "Fang"},
		family: []string{"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang"},
	}
	kenyan = pool{
		male:   []string{"Brian", "Kevin", "Dennis", "Collins", "Evans", "Victor"},
		female: []string{"Faith", "Mercy", "Winnie", "Sharon", "Purity", "Esther"},
		family: []string{"Otieno", "Wanjiru", "Kiprono", "Achieng", "Mwangi", "Njoroge", "Kamau", "Omondi"},
	}
	lao = pool{
		male:   []string{"Somphone", "Khamla", "Bounthavy", "Sengphet", "Phonesavanh", "Vilay"},
		female: []string{"Noy", "Vanhsy", "Chanthala", "Manivone", "Keo", "Souksavanh"},
		family: []string{"Keomany", "Phommachanh", "Sisouk", "Vongsa", "Inthavong", "Sayavong"},
	}
	myanmar = pool{
		male:     []string{"Aung Ko Ko", "Nay Lin Htet", "Kyaw Zin", "Min Thant", "Zaw Min", "Htet Aung"},
		female:   []string{"Su Mon", "Thida Win", "Ei Phyu", "Hnin Wai", "May Thu", "Khin Zar"},
		family:   []string{"Kyaw", "Oo", "Htun", "Naing", "Win"},
		noFamily: 70,
	}
)

// groupsTH: the TH store holds mostly Cambodians received in Thailand (DOMAIN.md), some Lao and
// Myanmar nationals.
var groupsTH = []group{
	{nationality: "KH", weight: 62, names: &khmer, languages: [][]string{{"km"}, {"km"}, {"km", "th"}}, docPrefix: "N", docDigits: 7, phone: "+855 12"},
	{nationality: "KH", weight: 26, names: &khmerLatin, languages: [][]string{{"km"}, {"km", "en"}}, docPrefix: "N", docDigits: 7, phone: "+855 97"},
	{nationality: "LA", weight: 6, names: &lao, languages: [][]string{{"lo"}, {"lo", "th"}}, docPrefix: "P", docDigits: 7, phone: "+856 20"},
	{nationality: "MM", weight: 6, names: &myanmar, languages: [][]string{{"my"}, {"my", "en"}}, docPrefix: "MC", docDigits: 6, phone: "+95 9"},
}

// groupsKH: the KH store holds Thais and Indonesians rescued in Cambodia, and some Vietnamese,
// Chinese and Kenyans.
var groupsKH = []group{
	{nationality: "TH", weight: 30, names: &thai, languages: [][]string{{"th"}, {"th"}, {"th", "en"}}, docPrefix: "AA", docDigits: 7, phone: "+66 81"},
	{nationality: "TH", weight: 8, names: &thaiLatin, languages: [][]string{{"th"}, {"th", "en"}}, docPrefix: "AC", docDigits: 7, phone: "+66 89"},
	{nationality: "ID", weight: 36, names: &indonesian, languages: [][]string{{"id"}, {"id", "en"}}, docPrefix: "X", docDigits: 7, phone: "+62 812"},
	{nationality: "VN", weight: 10, names: &vietnamese, languages: [][]string{{"vi"}}, docPrefix: "C", docDigits: 7, phone: "+84 91"},
	{nationality: "CN", weight: 10, names: &chinese, languages: [][]string{{"zh"}, {"zh", "en"}}, docPrefix: "E", docDigits: 8, phone: "+86 138"},
	{nationality: "KE", weight: 6, names: &kenyan, languages: [][]string{{"sw", "en"}, {"en"}}, docPrefix: "AK", docDigits: 7, phone: "+254 72"},
}

// groupsFor returns the nationality mix of a store: the TH and KH mixes above, and for any other
// store the KH mix (foreign nationals rescued there).
func groupsFor(country string) []group {
	if country == "TH" {
		return groupsTH
	}
	return groupsKH
}

// The words the fill draws from for contacts, needs, narratives, indicators and decisions.
var (
	relations   = []string{"mother", "father", "sister", "brother", "wife", "husband", "cousin", "aunt"}
	urgentNeeds = []string{"Injury to the left hand, needs a doctor.", "Diabetic, needs insulin.", "Pregnant, about five months.",
		"Has not eaten for two days.", "Fever and cough.", "Panic attacks at night.", "Needs glasses, lost in the compound."}
	compounds  = []string{"Jade Garden", "Silver River", "Blue Lotus", "Golden Fortune", "Kings Bay", "Huione Park", "Star City", "Diamond Hill"}
	tasks      = []string{"romance scams on Facebook", "fake crypto investment sites", "fake police calls", "online gambling fraud", "shopping refund scams"}
	lures      = []string{"a customer-service job in Bangkok", "a casino job with a high salary", "a translator job", "an online sales job", "work in a factory"}
	indicators = []string{"deceptive_job_offer", "recruited_online", "documents_taken_on_arrival", "forced_online_fraud",
		"quotas_with_punishment", "confinement", "phone_or_documents_confiscated", "violence_or_threat", "wages_withheld", "excessive_hours"}
	channels     = []string{"facebook", "telegram", "line", "whatsapp", "tiktok"}
	interviewers = []string{"Siriporn K.", "Anucha T.", "Chenda S.", "Vannak P.", "Malee W.", "Sophea C."}
	legalBases   = []string{"Anti-Trafficking in Persons Act B.E. 2551, section 6", "Law on Suppression of Human Trafficking and Sexual Exploitation (2008), article 10", "Palermo Protocol, article 3(a)"}
)
