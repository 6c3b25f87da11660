package romanise

// namePair is a name written two ways.
type namePair struct{ a, b string }

// thaiPairs are Thai names and a Latin spelling in common use (passports, ID cards) or RTGS.
var thaiPairs = []namePair{
	{"สมชาย", "Somchai"}, {"สมศักดิ์", "Somsak"}, {"สมพร", "Somporn"}, {"สมพงษ์", "Sompong"},
	{"สมบัติ", "Sombat"}, {"สมศรี", "Somsri"}, {"สมหมาย", "Sommai"}, {"สมจิตร", "Somchit"},
	{"สมควร", "Somkhuan"}, {"สมเกียรติ", "Somkiat"}, {"สมนึก", "Somnuek"}, {"สมาน", "Saman"},
	{"ธนากร", "Thanakorn"}, {"วีระพงษ์", "Weerapong"}, {"อนุชา", "Anucha"}, {"ณัฐวุฒิ", "Nattawut"},
	{"ณัฐวุฒิ", "Natthawut"}, {"กิตติพัฒน์", "Kittipat"}, {"ประเสริฐ", "Prasert"}, {"ศุภชัย", "Supachai"},
	{"ศุภชัย", "Suppachai"}, {"ชยพล", "Chayapol"}, {"ชยพล", "Chayaphon"}, {"พงศกร", "Pongsakorn"},
	{"สุภาพร", "Supaporn"}, {"กนกวรรณ", "Kanokwan"}, {"ปิยะนุช", "Piyanuch"}, {"ณัฐธิดา", "Natthida"},
	{"ณัฐธิดา", "Nattida"}, {"จันทร์เพ็ญ", "Chanpen"}, {"พิมพ์ชนก", "Pimchanok"}, {"ศิริพร", "Siriporn"},
	{"รัตนาภรณ์", "Rattanaporn"}, {"มาลี", "Malee"}, {"อนงค์", "Anong"}, {"นิรันดร์", "Niran"},
	{"กัญญา", "Kanya"}, {"ชวลิต", "Chawalit"}, {"ภัทรา", "Pattra"}, {"ภัทรา", "Phattra"},
	{"กมล", "Kamol"}, {"ณรงค์", "Narong"}, {"สุนทร", "Soonthorn"}, {"ประวัติ", "Prawat"},
	{"วิชัย", "Wichai"}, {"ชัยวัฒน์", "Chaiwat"}, {"สุริยา", "Suriya"}, {"อำนาจ", "Amnat"},
	{"บุญชัย", "Boonchai"}, {"บุญเลิศ", "Boonlert"}, {"ประยุทธ", "Prayut"}, {"ประยูร", "Prayoon"},
	{"ทองดี", "Thongdee"}, {"ใจดี", "Jaidee"}, {"ศรีสุข", "Srisuk"}, {"บุญมา", "Boonma"},
	{"แสงทอง", "Saengthong"}, {"วงศ์สวัสดิ์", "Wongsawat"}, {"พรหมวงศ์", "Promwong"}, {"สุขเจริญ", "Sukcharoen"},
	{"มั่นคง", "Mankong"}, {"ชัยมงคล", "Chaimongkol"}, {"อินทร์แก้ว", "Inkaew"}, {"ปัญญาดี", "Panyadee"},
	{"แก้วมณี", "Kaewmanee"}, {"สุขสวัสดิ์", "Suksawat"}, {"ทองคำ", "Thongkham"}, {"ศรีสวัสดิ์", "Srisawat"},
	{"พรหมมา", "Promma"}, {"วงศ์ใหญ่", "Wongyai"}, {"เพชร", "Petch"}, {"ไทย", "Thai"},
	{"ศรีสมบูรณ์", "Srisomboon"}, {"จันทร์ดี", "Chandee"}, {"แสงอรุณ", "Saengarun"}, {"ทองมา", "Thongma"},
	{"สุขใจ", "Sukjai"}, {"ใจงาม", "Jaingam"}, {"บุญยืน", "Boonyuen"}, {"ศรีทอง", "Srithong"},
	{"พึ่งบุญ", "Phuengboon"}, {"รักไทย", "Rakthai"}, {"มีสุข", "Meesuk"}, {"แก้วประเสริฐ", "Kaewprasert"},
	{"ชัยชนะ", "Chaichana"}, {"นาคสวัสดิ์", "Naksawat"}, {"คงสมบูรณ์", "Kongsomboon"}, {"เจริญสุข", "Charoensuk"},
	{"มณีรัตน์", "Maneerat"}, {"ทองสุข", "Thongsuk"}, {"พันธ์ดี", "Phandee"}, {"สายทอง", "Saithong"},
	{"กาญจนา", "Kanchana"}, {"วิไล", "Wilai"}, {"ลำดวน", "Lamduan"}, {"บัวขาว", "Buakhao"},
	{"ดวงใจ", "Duangjai"}, {"ดวงดาว", "Duangdao"}, {"อรุณี", "Arunee"}, {"ปราณี", "Pranee"},
	{"สมใจ", "Somjai"}, {"นงลักษณ์", "Nonglak"}, {"ศิริรัตน์", "Sirirat"}, {"ปัทมา", "Pattama"},
	{"วันเพ็ญ", "Wanpen"}, {"เพ็ญศรี", "Pensri"}, {"สุดารัตน์", "Sudarat"}, {"จิราพร", "Jiraporn"},
	{"ณัฐพล", "Nattapon"}, {"ธีรพงษ์", "Teerapong"}, {"อภิชาติ", "Apichart"}, {"สุวิทย์", "Suwit"},
	{"วิทยา", "Wittaya"}, {"ปรีชา", "Preecha"}, {"ชาตรี", "Chatree"}, {"พิชิต", "Pichit"},
	{"ไพโรจน์", "Pairoj"}, {"สุชาติ", "Suchart"}, {"ทักษิณ", "Thaksin"}, {"อภิสิทธิ์", "Aphisit"},
	{"วรรณา", "Wanna"}, {"สุวรรณี", "Suwannee"}, {"นภา", "Napa"}, {"ศศิธร", "Sasithorn"},
	{"อัญชลี", "Anchalee"}, {"ปวีณา", "Paweena"}, {"จุฑามาศ", "Juthamas"}, {"รัชนี", "Ratchanee"},
	{"ขวัญใจ", "Kwanjai"}, {"เยาวลักษณ์", "Yaowalak"}, {"ประไพ", "Prapai"}, {"สายสุนีย์", "Saisunee"},
	{"นันทนา", "Nanthana"}, {"ธิดารัตน์", "Thidarat"}, {"ดารุณี", "Darunee"}, {"สมชาย ใจดี", "Somchai Jaidee"},
	{"รุ่งเรือง", "Rungruang"}, {"พัชรี", "Patcharee"}, {"เจริญ", "Charoen"}, {"บุญส่ง", "Boonsong"},
}

// khmerPairs are Khmer names and a Latin spelling in common use or UNGEGN.
var khmerPairs = []namePair{
	{"សុខា", "Sokha"}, {"ដារ៉ា", "Dara"}, {"សុភា", "Sophea"}, {"សំណាង", "Samnang"},
	{"បូរ៉ា", "Bora"}, {"ចាន់ធូ", "Chanthou"}, {"ដាលីន", "Dalin"}, {"បុប្ផា", "Bopha"},
	{"ស្រីពៅ", "Sreypov"}, {"សុខ", "Sok"}, {"ចាន់", "Chan"}, {"ហេង", "Heng"},
	{"លី", "Ly"}, {"ម៉ៅ", "Mao"}, {"សេង", "Seng"}, {"កែវ", "Keo"},
	{"ស៊ុន", "Sun"}, {"ពេជ្រ", "Pech"}, {"ឡុង", "Long"}, {"ទេព", "Tep"},
	{"ផល", "Phal"}, {"សារ", "Sar"}, {"ទូច", "Touch"}, {"មាស", "Meas"},
	{"ចិន្តា", "Chenda"}, {"កុសល", "Kosal"}, {"វិចិត្រ", "Vichet"}, {"ចំរើន", "Chamroeun"},
	{"រិទ្ធី", "Rithy"}, {"ពិសិដ្ឋ", "Piseth"}, {"សុភ័ក្រ", "Sopheak"}, {"សុខុម", "Sokhom"},
	{"ណារី", "Nary"}, {"សុផល", "Sophal"}, {"ស្រីនាង", "Sreyneang"}, {"ម៉ាលី", "Maly"},
	{"ចាន់ដារ៉ា", "Chandara"}, {"ហ៊ុន", "Hun"}, {"សែន", "Sen"}, {"ឃុន", "Khun"},
	{"ពៅ", "Pov"}, {"ណុប", "Nop"}, {"សួន", "Suon"}, {"ហួត", "Huot"},
	{"យិន", "Yin"}, {"ឡាយ", "Lay"}, {"ចាន់ណា", "Channa"}, {"ផាន់", "Phan"},
	{"ខៀវ", "Khiev"}, {"ឌី", "Dy"}, {"ឯម", "Em"}, {"អ៊ុំ", "Um"},
	{"ប៊ុន", "Bun"}, {"ឡេង", "Leng"}, {"ថេង", "Theng"}, {"សាន", "San"},
	{"ឈួន", "Chhuon"}, {"ងួន", "Nguon"}, {"ចេង", "Cheng"}, {"ជា", "Chea"},
	{"ឆាយ", "Chhay"}, {"នី", "Ny"}, {"សុខលី", "Sokly"}, {"ពិសី", "Pisey"},
	{"សុធា", "Sothea"}, {"វុទ្ធី", "Vuthy"}, {"សុធារី", "Sotheary"}, {"ចន្ថា", "Chantha"},
	{"ស៊ីណា", "Sina"}, {"ស្រីនិច", "Sreynich"}, {"ដាវី", "Davy"}, {"វិសាល", "Visal"},
	{"គឹម", "Kim"}, {"លឹម", "Lim"}, {"ឈឹម", "Chhim"}, {"យឹម", "Yim"},
	{"សុខ ដារ៉ា", "Sok Dara"}, {"ហេង សុភា", "Heng Sophea"}, {"ចាន់ សុខា", "Chan Sokha"}, {"កែវ ចិន្តា", "Keo Chenda"},
}

// latinPairs are spelling variants of one Latin name.
var latinPairs = []namePair{
	{"Somchai", "Somchay"}, {"Sokha", "Sokhah"}, {"Bopha", "Boppha"}, {"Thongdee", "Thongdi"},
	{"Boonma", "Bunma"}, {"Srisuk", "Sisuk"}, {"Jaidee", "Chaidi"}, {"Kaew", "Kaeo"},
	{"Prasert", "Prasoet"}, {"Chalermchai", "Chaloemchai"}, {"Weerapong", "Wiraphong"}, {"Thanakorn", "Thanakon"},
	{"Supaporn", "Suphaphon"}, {"Siriporn", "Siriphon"}, {"Pornthip", "Phonthip"}, {"Sompong", "Somphong"},
	{"Pongsakorn", "Phongsakon"}, {"Kittipat", "Kittiphat"}, {"Nattawut", "Natthawut"}, {"Phet", "Petch"},
	{"Chhay", "Chay"}, {"Rithy", "Rithi"}, {"Touch", "Tuch"}, {"Vanna", "Wanna"},
	{"Chantha", "Chanta"}, {"Dara", "Darah"}, {"Ly", "Lee"}, {"Ny", "Nee"},
	{"Kim", "Kym"}, {"Sok", "Sock"}, {"Nguyễn", "Nguyen"}, {"Trần", "Tran"},
	{"Lê", "Le"}, {"Phạm", "Pham"}, {"Hoàng", "Hoang"}, {"Đức", "Duc"},
	{"Chenda", "Chendah"}, {"Sovann", "Sovan"}, {"Piseth", "Piset"}, {"Channa", "Chana"},
	{"Pisey", "Pisei"}, {"Sreypov", "Sreypou"}, {"Chamroeun", "Chamreun"}, {"Vichet", "Vichett"},
	{"Siti", "Sitti"}, {"Dewi", "Devi"}, {"Rizky", "Rizki"}, {"SOMCHAI", "somchai"},
	{"  Sok   Dara ", "sok dara"}, {"Sok-Dara", "Sokdara"}, {"Orn-uma", "Onuma"}, {"Apichart", "Aphichat"},
	{"Suchart", "Suchat"}, {"Juthamas", "Chuthamat"}, {"Pairoj", "Phairot"}, {"Chaimongkol", "Chaimongkhon"},
	{"Teerapong", "Thiraphong"}, {"Wittaya", "Witthaya"}, {"Ratchanee", "Ratchani"}, {"Rungruang", "Rungrueang"},
	{"Sreymom", "Sreimom"}, {"Vuthy", "Vuthi"}, {"Khiev", "Khiew"}, {"Keo", "Kev"},
}

// nearPairs are spellings the rules do not bring to one key: the Latin form follows usage, not
// the script (Khmer o-series inherent vowel written a, ត read d, a Thai vowel the script leaves
// unwritten). They must stay close in q-gram terms, which is what the encodings compare.
var nearPairs = []namePair{
	{"វណ្ណៈ", "Vannak"}, {"សុវណ្ណ", "Sovann"}, {"ធីតា", "Thida"},
	{"ស្រីមុំ", "Sreymom"}, {"លក្ខិណា", "Leakhena"}, {"សុគន្ធា", "Sokunthea"}, {"វាសនា", "Veasna"},
	{"วิภาวดี", "Wipawadee"}, {"สุรชัย", "Surachai"}, {"ธนพล", "Thanaphon"}, {"วรวุฒิ", "Worawut"},
	{"เอกชัย", "Ekkachai"}, {"មុន្នី", "Mony"}, {"សម្បត្តិ", "Sambath"}, {"សុជាតិ", "Socheat"},
	{"ភក្តី", "Pheakdey"}, {"อรพรรณ", "Oraphan"},
}

// differentPairs are different names that must keep different keys.
var differentPairs = []namePair{
	{"สมชาย", "สมศักดิ์"}, {"Somchai", "Somsak"}, {"Sokha", "Sokhom"}, {"Dara", "Dina"},
	{"Chan", "Chen"}, {"Kim", "Kem"}, {"Sok", "Sak"}, {"Anong", "Anon"},
	{"Thongdee", "Thongma"}, {"Bopha", "Sopha"}, {"Heng", "Hong"}, {"Ly", "Lo"},
	{"Mao", "Meas"}, {"Tep", "Top"}, {"Sophea", "Sophal"}, {"Narong", "Nirun"},
	{"Kanya", "Kanda"}, {"Pim", "Pam"}, {"วิชัย", "วีระ"}, {"สุภาพร", "ศิริพร"},
	{"ដារ៉ា", "ដាលីន"}, {"សុខា", "សុភា"}, {"ចាន់", "ចេង"}, {"ហេង", "ហួត"},
	{"สมชาย", "Somsak"}, {"សុខា", "Sophea"}, {"Sok Dara", "Dara Sok"}, {"Malee", "Mali Chan"},
	{"ใจดี", "ทองดี"}, {"บุญมา", "บุญชัย"}, {"Sun", "Son"}, {"Sen", "San"},
}
