package i18n

// sheetMessages are the recovery sheet's texts and the words every
// printed document (the sheet, the procedure document) uses for its
// places to sign and its page footer. The English is the sheet as it was
// printed before it spoke Japanese, its headings in both languages; the
// Japanese is for the operator who reads it on the day the machine room
// (サーバ室) is lost. The commands on the sheet are never translated.
// Numbers a person compares or types (run IDs, byte counts, the audit
// chain's head) are given as strings: the catalogue would group their
// digits.
var sheetMessages = []entry{
	// Every printed document.
	{"doc.sign_text", "  name: ____________________  signature: ____________________  date: __________", "  氏名: ____________________  署名: ____________________  日付: __________"},
	{"doc.sign_pdf", "Name: ______________________   Signature: ______________________   Date: ____________", "氏名: ______________________   署名: ______________________   日付: ____________"},
	{"doc.sign_name", "name", "氏名"},
	{"doc.sign_signature", "signature", "署名"},
	{"doc.sign_date", "date", "日付"},
	{"doc.page", "%s - page %d of {nb}", "%s - %d / {nb} ページ"},

	// The head of the sheet.
	{"sheet.title", "復旧シート / Recovery sheet: the machine room is gone", "復旧シート: サーバ室が使えなくなったとき"},
	{"sheet.room", "the machine room", "サーバ室"},
	{"sheet.room_named", "the machine room (%s)", "サーバ室 (%s)"},
	{"sheet.for_the_day", "For the day %s is lost: which cartridges to fetch, and how to read them back.", "%s が使えなくなった日のために: 取り寄せる媒体と、その読み戻し方を示します。"},
	{"sheet.made", "Made %s from catalog %s.", "作成 %s、カタログ %s から。"},
	{"sheet.chain_head", "Audit chain head: %s %s", "監査チェーンの先頭: %s %s"},
	{"sheet.only_site", "Only the generations whose every cartridge is at %s.", "すべての媒体が %s にある世代だけを載せています。"},

	// 1. First.
	{"sheet.first", "1. 最初に / First", "1. 最初に"},
	{"sheet.first.need", "You need the cartridges named below, a Linux machine with a tape drive of their kind and, for the tapewarden commands, the tapewarden package. Do not write to any cartridge. The README's section \"The machine room is gone\" says the same step by step.",
		"必要なものは、下に挙げる媒体、その種類のテープドライブをつないだ Linux マシン、tapewarden のコマンドを使う場合は tapewarden のパッケージです。どの媒体にも書き込まないでください。README の「The machine room is gone」の節にも同じ手順が順を追って書いてあります。"},
	{"sheet.first.dir", "Work in a directory with room for the data (cd /srv, for example). The commands below read the drive %s; if the drive on your machine is another (ls /dev/nst*), use its name in every command. Always the n (no-rewind) device.",
		"データが入る空きのあるディレクトリで作業します (例: cd /srv)。下のコマンドはドライブ %s を読みます。お使いのマシンのドライブが別の名前なら (ls /dev/nst* で確認)、すべてのコマンドでその名前に置き換えてください。必ず n の付く (巻き戻さない) デバイスを使います。"},
	{"sheet.and", " and ", " と "},
	{"sheet.first.rebuild", "With tapewarden, first rebuild the catalog from the cartridges (load each when asked, type done at the end); it prints the restore order and the audit head the cartridges prove, which must be the head printed above or a later one:",
		"tapewarden を使う場合は、まず媒体からカタログを作り直します (求められるたびに媒体を入れ、最後に done と入力)。復旧の順序と、媒体が証明する監査チェーンの先頭が表示されます。これは上に印刷した先頭か、それより新しいものでなければなりません:"},
	{"sheet.first.without", "Without tapewarden, follow each system's commands \"with mt, dd, tar and sha256sum\" below, in the order of the table.",
		"tapewarden を使わない場合は、下の各システムの「mt、dd、tar、sha256sum での復旧」のコマンドを、表の順に実行します。"},

	// 2. Restore order.
	{"sheet.order", "2. 復旧の順序 / Restore order", "2. 復旧の順序"},
	{"sheet.col.system", "system", "システム"},
	{"sheet.col.job", "job", "ジョブ"},
	{"sheet.col.generation", "generation", "世代"},
	{"sheet.col.written", "written", "書き込み日時"},
	{"sheet.col.cartridges_where", "cartridges, where they are now", "媒体と現在の場所"},
	{"sheet.none", "none", "なし"},
	{"sheet.none_because", "none: %s", "なし: %s"},
	{"sheet.where.at", "at %s", "%s にあり"},
	{"sheet.where.transit", "in transit to %s", "%s へ搬送中"},
	{"sheet.why.no_run", "no succeeded run yet", "成功した実行がまだありません"},
	{"sheet.why.not_at_site", "no generation has all its cartridges at %s", "すべての媒体が %s にそろった世代がありません"},
	{"sheet.why.all_gone", "every succeeded run has a cartridge that was overwritten or lost", "成功した実行はどれも、媒体のいずれかが上書きされたか紛失しています"},

	// 3. Cartridges to fetch.
	{"sheet.fetch", "3. 取り寄せる媒体 / Cartridges to fetch", "3. 取り寄せる媒体"},
	{"sheet.col.where_now", "where now", "現在の場所"},
	{"sheet.col.cartridges", "cartridges", "媒体"},
	{"sheet.col.systems", "systems", "システム"},
	{"sheet.with_manifest", "%s (manifest %s)", "%s (搬送票 %s)"},
	{"sheet.fetch.room_lost", "Cartridges at %s are gone with the machine room; where a generation has a cartridge there, its system below also names the newest generation held elsewhere.",
		"%s にある媒体はサーバ室とともに失われます。世代の媒体がそこにある場合、下のそのシステムの節には、ほかの場所に保管された最新の世代も載せています。"},
	{"sheet.fetch.none_away", "WARNING: no generation of %s is held outside the machine room.", "警告: %s の世代は、サーバ室の外に一つも保管されていません。"},

	// A system.
	{"sheet.system", "%d. %s%s (restore priority %s)", "%d. %s%s (復旧優先順位 %s)"},
	{"sheet.fact.manager", "manager: %s", "担当: %s"},
	{"sheet.fact.servers", "servers: %s", "サーバ: %s"},
	{"sheet.fact.vendor", "vendor: %s", "保守業者: %s"},
	{"sheet.nothing", "Nothing to restore for %s: %s.", "%s には復旧できる世代がありません: %s。"},
	{"sheet.only_room", "WARNING: every generation of %s is in the machine room; with the machine room gone, %s has no copy.",
		"警告: %s の世代はすべてサーバ室にあります。サーバ室が失われると、%s の複製は残りません。"},
	{"sheet.with_tapewarden", "With tapewarden, after the catalog rebuild (it takes each job's newest generation whose every cartridge it read):",
		"tapewarden を使う場合は、カタログを作り直した後に (各ジョブについて、すべての媒体を読み取れた最新の世代を使います):"},
	// The same in English; in Japanese it also says what the commands'
	// English comment says.
	{"sheet.with_tapewarden_age", "With tapewarden, after the catalog rebuild (it takes each job's newest generation whose every cartridge it read):",
		"tapewarden を使う場合は、カタログを作り直した後に (各ジョブについて、すべての媒体を読み取れた最新の世代を使います)。データは暗号化されているので、テープから戻した tapewarden.yaml.from-tape を /etc/tapewarden/tapewarden.yaml として置き、デーモンを起動してから:"},

	// A generation.
	{"sheet.gen", "%s: generation %s (run %s, %s)", "%s: 世代 %s (実行 %s、%s)"},
	{"sheet.gen.newest", "the newest", "最新"},
	{"sheet.gen.newest_away", "the newest with no cartridge in the machine room", "サーバ室に媒体のない最新"},
	{"sheet.gen.newest_at", "the newest kept at %s", "%s に保管された最新"},
	{"sheet.gen.none_away", "; no generation is held outside the machine room", "、サーバ室の外に保管された世代はありません"},
	{"sheet.gen.written", "Written %s by drive %s with blocks of %s bytes: %s bytes of tar in %s.", "%s にドライブ %s がブロック長 %s バイトで書き込みました。tar で %s バイト、%s。"},
	{"sheet.gen.piece", "%d piece", "媒体 %d 本"},
	{"sheet.gen.pieces", "%d pieces", "媒体 %d 本"},
	{"sheet.gen.encrypted", " Encrypted with age (%s bytes on tape) to %s %s: you need the identity file of one as %s.", "age で暗号化されています (テープ上 %s バイト、%s %s)。そのいずれかの秘密鍵ファイルを %s として用意してください。"},
	{"sheet.gen.recipient", "the recipient", "受信者"},
	{"sheet.gen.recipients", "the recipients", "受信者"},
	{"sheet.gen.use_away", " Use this generation when the cartridges of the newest were lost with the machine room; it goes into the same directory, so follow one or the other, not both.",
		"最新の世代の媒体がサーバ室とともに失われたときは、この世代を使います。同じディレクトリに戻すので、どちらか一方だけを実行してください。"},
	{"sheet.gen.use_if", " Use this generation if you have its cartridges.", "この世代の媒体が手元にあれば、この世代を使います。"},
	{"sheet.col.piece", "piece", "番号"},
	{"sheet.col.cartridge", "cartridge", "媒体"},
	{"sheet.col.tape_file", "tape file", "テープファイル"},
	{"sheet.col.bytes", "bytes", "バイト数"},
	{"sheet.piece_manifest", ", manifest %s", "、搬送票 %s"},
	{"sheet.piece_in_room", " (machine room)", " (サーバ室)"},
	{"sheet.whole_tar", "whole tar", "tar 全体"},
	{"sheet.whole_on_tape", "whole on tape", "テープ上の全体"},
	{"sheet.manual", "With mt, dd, tar and sha256sum (each sha256sum line must say OK):", "mt、dd、tar、sha256sum で復旧する場合 (sha256sum の各行が OK と表示すること)。# で始まる行は、どの媒体を入れるかの説明です:"},
	{"sheet.manual_age", "With mt, dd, tar and sha256sum, and age (each sha256sum line must say OK):", "mt、dd、tar、sha256sum と age で復旧する場合 (sha256sum の各行が OK と表示すること)。# で始まる行は、どの媒体を入れるかの説明です:"},
	{"sheet.output_parts", "The command's output comes back in parts (%s.000000, %s.000001, ...); the last line joins them into %s.", "コマンドの出力は分割されて戻ります (%s.000000、%s.000001、...)。最後の行でそれらを %s にまとめます。"},

	// Signatures.
	{"sheet.sign", "%d. 確認 / Signatures", "%d. 確認"},
	{"sheet.sign.made", "Made %s; catalog %s; audit chain head %s %s.", "作成 %s、カタログ %s、監査チェーンの先頭 %s %s。"},
	{"sheet.sign.printed", "Printed and checked by (ICT department)", "印刷・確認者 (情報システム担当課)"},
	{"sheet.sign.received", "Received and filed at %s by", "%s での受領・保管者"},
}
