package linkage

// spelled is one name in its script and the Latin spellings found for it.
type spelled struct {
	script string
	latin  []string
}

// The name pools of the generated test set: real, common Thai and Cambodian given and family
// names, with the spellings in use (RTGS or UNGEGN and the popular forms).
var (
	thaiGiven = []spelled{
		{"สมชาย", []string{"Somchai", "Somchay"}}, {"สมศักดิ์", []string{"Somsak"}}, {"สมพร", []string{"Somporn", "Somphon"}},
		{"สมพงษ์", []string{"Sompong", "Somphong"}}, {"สมบัติ", []string{"Sombat"}}, {"สมศรี", []string{"Somsri", "Somsi"}},
		{"ธนากร", []string{"Thanakorn", "Thanakon"}}, {"วีระพงษ์", []string{"Weerapong", "Wiraphong"}}, {"อนุชา", []string{"Anucha"}},
		{"ณัฐวุฒิ", []string{"Nattawut", "Natthawut"}}, {"กิตติพัฒน์", []string{"Kittipat", "Kittiphat"}}, {"ประเสริฐ", []string{"Prasert", "Prasoet"}},
		{"ศุภชัย", []string{"Supachai", "Suppachai"}}, {"ชยพล", []string{"Chayapol", "Chayaphon"}}, {"พงศกร", []string{"Pongsakorn", "Phongsakon"}},
		{"สุภาพร", []string{"Supaporn", "Suphaphon"}}, {"กนกวรรณ", []string{"Kanokwan"}}, {"ปิยะนุช", []string{"Piyanuch", "Piyanut"}},
		{"ณัฐธิดา", []string{"Natthida", "Nattida"}}, {"จันทร์เพ็ญ", []string{"Chanpen", "Chanphen"}}, {"พิมพ์ชนก", []string{"Pimchanok", "Phimchanok"}},
		{"ศิริพร", []string{"Siriporn", "Siriphon"}}, {"รัตนาภรณ์", []string{"Rattanaporn"}}, {"มาลี", []string{"Malee", "Mali"}},
		{"อนงค์", []string{"Anong"}}, {"นิรันดร์", []string{"Niran"}}, {"กัญญา", []string{"Kanya"}}, {"ชวลิต", []string{"Chawalit"}},
		{"ภัทรา", []string{"Pattra", "Phatthra"}}, {"กมล", []string{"Kamol", "Kamon"}}, {"ณรงค์", []string{"Narong"}},
		{"วิชัย", []string{"Wichai", "Vichai"}}, {"ชัยวัฒน์", []string{"Chaiwat"}}, {"สุริยา", []string{"Suriya"}},
		{"บุญชัย", []string{"Boonchai", "Bunchai"}}, {"ประยุทธ", []string{"Prayut", "Prayuth"}}, {"วรรณา", []string{"Wanna"}},
		{"สุวรรณี", []string{"Suwannee", "Suwanni"}}, {"นภา", []string{"Napa", "Napha"}}, {"ศศิธร", []string{"Sasithorn"}},
		{"อัญชลี", []string{"Anchalee", "Anchali"}}, {"ปวีณา", []string{"Paweena", "Phawina"}}, {"รัชนี", []string{"Ratchanee"}},
		{"ขวัญใจ", []string{"Kwanjai", "Khwanchai"}}, {"นันทนา", []string{"Nanthana", "Nantana"}}, {"ธิดารัตน์", []string{"Thidarat"}},
		{"ปรีชา", []string{"Preecha", "Pricha"}}, {"วิทยา", []string{"Wittaya", "Witthaya"}}, {"สุชาติ", []string{"Suchart", "Suchat"}},
		{"อำนาจ", []string{"Amnat", "Amnart"}}, {"ดวงใจ", []string{"Duangjai"}}, {"วันเพ็ญ", []string{"Wanpen"}},
	}
	thaiFamily = []spelled{
		{"ใจดี", []string{"Jaidee", "Chaidi"}}, {"ศรีสุข", []string{"Srisuk", "Sisuk"}}, {"บุญมา", []string{"Boonma", "Bunma"}},
		{"แสงทอง", []string{"Saengthong", "Sangthong"}}, {"วงศ์สวัสดิ์", []string{"Wongsawat"}}, {"ทองดี", []string{"Thongdee", "Thongdi"}},
		{"พรหมวงศ์", []string{"Promwong", "Phromwong"}}, {"สุขเจริญ", []string{"Sukcharoen"}}, {"มั่นคง", []string{"Mankong", "Mankhong"}},
		{"ชัยมงคล", []string{"Chaimongkol"}}, {"อินทร์แก้ว", []string{"Inkaew", "Inkaeo"}}, {"ปัญญาดี", []string{"Panyadee"}},
		{"แก้วมณี", []string{"Kaewmanee"}}, {"สุขสวัสดิ์", []string{"Suksawat"}}, {"ศรีสมบูรณ์", []string{"Srisomboon"}},
		{"จันทร์ดี", []string{"Chandee", "Chandi"}}, {"ทองมา", []string{"Thongma"}}, {"บุญยืน", []string{"Boonyuen"}},
		{"ศรีทอง", []string{"Srithong"}}, {"พึ่งบุญ", []string{"Phuengboon"}}, {"รักไทย", []string{"Rakthai"}},
		{"มีสุข", []string{"Meesuk", "Misuk"}}, {"ชัยชนะ", []string{"Chaichana"}}, {"คงสมบูรณ์", []string{"Kongsomboon"}},
		{"เจริญสุข", []string{"Charoensuk", "Charernsuk"}}, {"มณีรัตน์", []string{"Maneerat"}}, {"ทองสุข", []string{"Thongsuk"}},
		{"สายทอง", []string{"Saithong"}}, {"แก้วประเสริฐ", []string{"Kaewprasert"}}, {"นาคสวัสดิ์", []string{"Naksawat"}},
	}
	khmerGiven = []spelled{
		{"សុខា", []string{"Sokha"}}, {"ដារ៉ា", []string{"Dara"}}, {"សុភា", []string{"Sophea"}}, {"សំណាង", []string{"Samnang"}},
		{"បូរ៉ា", []string{"Bora"}}, {"ចាន់ធូ", []string{"Chanthou", "Chanthu"}}, {"ដាលីន", []string{"Dalin"}}, {"បុប្ផា", []string{"Bopha", "Boppha"}},
		{"ស្រីពៅ", []string{"Sreypov", "Sreypou"}}, {"ចិន្តា", []string{"Chenda"}}, {"កុសល", []string{"Kosal"}}, {"វិចិត្រ", []string{"Vichet"}},
		{"ចំរើន", []string{"Chamroeun", "Chamreun"}}, {"រិទ្ធី", []string{"Rithy", "Rithi"}}, {"ពិសិដ្ឋ", []string{"Piseth"}},
		{"សុភ័ក្រ", []string{"Sopheak"}}, {"សុខុម", []string{"Sokhom"}}, {"ណារី", []string{"Nary"}}, {"សុផល", []string{"Sophal"}},
		{"ស្រីនាង", []string{"Sreyneang"}}, {"ម៉ាលី", []string{"Maly"}}, {"ចាន់ដារ៉ា", []string{"Chandara"}}, {"ចាន់ណា", []string{"Channa"}},
		{"សុខលី", []string{"Sokly"}}, {"ពិសី", []string{"Pisey"}}, {"សុធា", []string{"Sothea"}}, {"វុទ្ធី", []string{"Vuthy"}},
		{"សុធារី", []string{"Sotheary"}}, {"ចន្ថា", []string{"Chantha"}}, {"ស៊ីណា", []string{"Sina"}}, {"ស្រីនិច", []string{"Sreynich"}},
		{"ដាវី", []string{"Davy"}}, {"វិសាល", []string{"Visal"}}, {"វណ្ណៈ", []string{"Vannak"}}, {"សុវណ្ណ", []string{"Sovann"}},
		{"ធីតា", []string{"Thida"}}, {"ស្រីមុំ", []string{"Sreymom"}}, {"លក្ខិណា", []string{"Leakhena"}}, {"វាសនា", []string{"Veasna"}},
		{"សុគន្ធា", []string{"Sokunthea"}},
	}
	khmerFamily = []spelled{
		{"សុខ", []string{"Sok"}}, {"ចាន់", []string{"Chan"}}, {"ហេង", []string{"Heng"}}, {"លី", []string{"Ly", "Lee"}},
		{"ម៉ៅ", []string{"Mao"}}, {"សេង", []string{"Seng"}}, {"កែវ", []string{"Keo"}}, {"ស៊ុន", []string{"Sun"}},
		{"ពេជ្រ", []string{"Pech", "Petch"}}, {"ឡុង", []string{"Long"}}, {"ទេព", []string{"Tep"}}, {"ផល", []string{"Phal"}},
		{"សារ", []string{"Sar"}}, {"ទូច", []string{"Touch", "Tuch"}}, {"មាស", []string{"Meas"}}, {"ហ៊ុន", []string{"Hun"}},
		{"សែន", []string{"Sen"}}, {"ឃុន", []string{"Khun"}}, {"សួន", []string{"Suon"}}, {"ហួត", []string{"Huot"}},
		{"យិន", []string{"Yin"}}, {"ជា", []string{"Chea"}}, {"ឆាយ", []string{"Chhay", "Chay"}}, {"ខៀវ", []string{"Khiev"}},
		{"គឹម", []string{"Kim"}}, {"ឡេង", []string{"Leng"}}, {"ចេង", []string{"Cheng"}}, {"ប៊ុន", []string{"Bun"}},
	}
)
