package i18n

// swapMessages are the texts of the operator's swap list and the
// courier's offsite plan: what the report writes into them (actions,
// policies, notes) and the labels their printouts and the console put
// around it. Barcodes, places, codes and commands are filled in as they
// are; numbers come as text (%s).
var swapMessages = []entry{
	// Units.
	{"swap.unit.day", "%s day", "%s日"},
	{"swap.unit.days", "%s days", "%s日"},
	{"swap.unit.use", "%s use", "%s回"},
	{"swap.unit.uses", "%s uses", "%s回"},

	// The courier plan, as the report writes it.
	{"plan.policy.keep", "keep %s away at %s", "%[2]s に %[1]s 世代を遠隔地保管"},
	{"plan.policy.remote", ", one at %s", "（うち 1 世代は %s）"},
	{"plan.policy.transit", ", transit %s, recall %s ahead", "、搬送日数 %s、%s前に返却を手配"},
	{"plan.note.projection", "planned from the catalog as it is now: runs and courier trips before then are not counted (see 'tapewarden rotation calendar' for a projection day by day)",
		"現在のカタログに基づく計画です。その日までの処理と搬送は含まれていません（日ごとの見通しは 'tapewarden rotation calendar' で確認できます）"},

	// The courier plan, as a printout shows it.
	{"plan.title", "Courier plan for %s, leaving %s at %s", "%[1]s の搬送計画（%[2]s を %[3]s に出発）"},
	{"plan.no_pools", "No pool has an offsite policy (pools[].offsite in the configuration).", "遠隔地保管の方針を持つプールはありません（設定の pools[].offsite）。"},
	{"plan.pool", "pool %s: %s", "プール %s：%s"},
	{"plan.label.status", "status", "状況"},
	{"plan.label.send", "SEND", "搬出"},
	{"plan.label.recall", "RECALL", "返却"},
	{"plan.label.problem", "PROBLEM", "問題"},
	{"plan.move", "%s%s: %s -> %s; %s", "%s%s：%s から %s へ、%s"},
	{"plan.no_manifest", "no manifest yet", "搬送票未作成"},
	{"plan.on_manifest", "on manifest %s (%s)", "搬送票 %s（%s）"},
	{"plan.nothing", "nothing to send or recall", "搬出・返却する媒体はありません"},
	{"plan.nothing_to_carry", "The courier has nothing to carry.", "搬送する媒体はありません。"},
	{"plan.list_them", "List them for the courier: %s", "搬送票を作成してください：%s"},
	{"plan.status", "keep %s away: %s away, %s in transit", "遠隔地保管 %s 世代の方針：遠隔地 %s、搬送中 %s"},
	{"plan.status.remote", ", %s at remote site %s (1 needed)", "、遠隔地 %[2]s に %[1]s（1 世代必要）"},
	{"plan.status.compliant", ": compliant", "：基準を満たしています"},
	{"plan.status.not_compliant", ": NOT COMPLIANT", "：基準を満たしていません"},

	// Both printouts.
	{"swap.note", "note: %s", "注記：%s"},
	{"swap.why", "why: %s", "理由：%s"},

	// The swap list, as the report writes it.
	{"swap.pool", "pool %s", "プール %s"},
	{"swap.no_manifest", "; no manifest lists it yet ('tapewarden manifest create --from-plan')", "。まだ搬送票に載っていません（'tapewarden manifest create --from-plan'）"},
	{"swap.send.export", "export it to the mail slot ('tapewarden library export %s'), then hand it to the courier", "メールスロットに排出し（'tapewarden library export %s'）、搬送担当に渡してください"},
	{"swap.send.mailslot", "take it out of library %s's mail slot %s and hand it to the courier", "ライブラリ %s のメールスロット %s から取り出し、搬送担当に渡してください"},
	{"swap.send.mailslot_virtual", "take it out of library %s's mail slot %s ('tapewarden library mailslot take %s') and hand it to the courier", "ライブラリ %s のメールスロット %s から取り出し（'tapewarden library mailslot take %s'）、搬送担当に渡してください"},
	{"swap.send.unload", "unload it from drive %s ('tapewarden library unload --drive %s'), export it ('tapewarden library export %s') and hand it to the courier", "ドライブ %s から取り出し（'tapewarden library unload --drive %s'）、排出して（'tapewarden library export %s'）搬送担当に渡してください"},
	{"swap.send.eject", "eject it from drive %s ('tapewarden drive eject %s --to %s/PLACE') and hand it to the courier", "ドライブ %s から取り出し（'tapewarden drive eject %s --to %s/PLACE'）、搬送担当に渡してください"},
	{"swap.send.take", "take it from %s and hand it to the courier", "%s から持ち出し、搬送担当に渡してください"},
	{"swap.send.pickup", ", who confirms it on manifest %s ('tapewarden manifest pickup %s --courier NAME %s')", "。搬送担当が搬送票 %s で受け取りを確認します（'tapewarden manifest pickup %s --courier NAME %s'）"},
	{"swap.recall.import", "when it arrives, confirm it (%s), put it into library %s's mail slot and import it ('tapewarden library import')", "到着したら受領を記録し（%s）、ライブラリ %s のメールスロットに入れて取り込んでください（'tapewarden library import'）"},
	{"swap.recall.file", "when it arrives, confirm it (%s) and file it at %s", "到着したら受領を記録し（%s）、%s に保管してください"},
	{"swap.run.not_written", "NOT WRITTEN: %s", "書き込まれません：%s"},
	{"swap.run.comes_back", "comes back today from %s: %s", "本日 %s から戻ります。%s"},
	{"swap.run.in_transit", "in transit on manifest %s: deliver it, then %s", "搬送票 %s で搬送中です。納品を記録してから、%s"},
	{"swap.run.away", "it is at %s: bring it back, then %s", "%s にあります。持ち帰ってから、%s"},
	{"swap.run.in_drive", "already in drive %s", "ドライブ %s に装填済み"},
	{"swap.run.in_library", "in library %s: the library loads it", "ライブラリ %s 内：ライブラリが装填します"},
	{"swap.run.take", "take it from %s: %s", "%s から持ち出し、%s"},
	{"swap.ready.drive", "have it ready at drive %s before %s, a person loads it when the run asks", "%[2]s までにドライブ %[1]s の所に用意してください。処理が求めたら担当者が装填します"},
	{"swap.ready.mailslot", "put it into library %s's mail slot before %s ('tapewarden library import')", "%[2]s までにライブラリ %[1]s のメールスロットに入れてください（'tapewarden library import'）"},
	{"swap.ready.none", "no drive at %s that job %s may use writes %s: change the job's drives or the pool's media", "%s には、ジョブ %s が使えて %s に書き込めるドライブがありません。ジョブのドライブかプールの媒体を変更してください"},
	{"swap.clean.no_cleaner", "no usable cleaning cartridge: add one ('tapewarden media add BARCODE --at SITE/PLACE --uses N')", "使えるクリーニング媒体がありません。追加してください（'tapewarden media add BARCODE --at SITE/PLACE --uses N'）"},
	{"swap.clean.library", "library %s cleans it with %s (%s)", "ライブラリ %s が %s（%s）でクリーニングします"},
	{"swap.clean.daemon", ": the daemon does it when the drive is free, or 'tapewarden drive clean %s'", "。ドライブが空いたときに自動で行います（すぐ行うには 'tapewarden drive clean %s'）"},
	{"swap.clean.person", "a person puts %s (%s) into drive %s when asked ('tapewarden drive clean %s' asks now)", "依頼があったら担当者が %s（%s）をドライブ %s に挿入します（'tapewarden drive clean %s' で今すぐ依頼）"},
	{"swap.clean.block", "do not run jobs on it until it is cleaned; %s", "クリーニングが済むまで、このドライブで処理を実行しないでください。%s"},
	{"swap.cleaner.retire", "retire it and put a new cleaning cartridge in its place", "廃棄し、代わりに新しいクリーニング媒体を入れてください"},
	{"swap.cleaner.retire_cmd", "retire it ('tapewarden media retire %s --reason used up') and put a new cleaning cartridge in its place", "廃棄を記録し（'tapewarden media retire %s --reason used up'）、代わりに新しいクリーニング媒体を入れてください"},
	{"swap.cleaner.dispose", "take it out of the library for disposal and put a new cleaning cartridge in its place", "廃棄のためライブラリから取り出し、代わりに新しいクリーニング媒体を入れてください"},
	{"swap.cleaner.ready", "have a new cleaning cartridge ready to replace it", "交換用の新しいクリーニング媒体を用意してください"},
	{"swap.why.cleaner_retired", "%s is retired but still takes a place in library %s", "%s は廃棄済みですが、まだライブラリ %s に入っています"},
	{"swap.why.cleaner_low", "%s has %s left", "%s はあと %s使えます"},

	// The swap list, as a printout shows it.
	{"swap.title", "Swap list for %s, %s, from %s", "%[1]s の媒体入替表：%[2]s、%[3]s 以降"},
	{"swap.sec.take_out", "TAKE OUT FOR THE COURIER", "【搬送のため取り出す媒体】"},
	{"swap.sec.expect", "EXPECT BACK", "【返却される媒体】"},
	{"swap.sec.runs", "RUNS", "【処理】"},
	{"swap.sec.cleaning", "CLEANING", "【クリーニング】"},
	{"swap.sec.problems", "PROBLEMS", "【問題】"},
	{"swap.nothing", "nothing", "なし"},
	{"swap.take_out", "%s %s%s, %s -> %s", "%s プール %s%s、%s から %s へ"},
	{"swap.expect", "%s %s, from %s, file at %s", "%s プール %s、%s から、保管先 %s"},
	{"swap.runs", " (%s runs)", "（%s 回）"},
	{"swap.person", "PERSON: ", "要手作業："},
	{"swap.append", " (append)", "（追記）"},
	{"swap.overwrites", " (overwrites %s)", "（%s を上書き）"},
	{"swap.from_scratch", " (new from %s)", "（%s から補充）"},
	{"swap.holds_then", "holds then:", "書込後の区分："},
	{"swap.warning", "warning:", "警告："},
	{"swap.cleaning", "drive %s due %s, cleaner %s: %s%s", "ドライブ %s（クリーニング：%s）、クリーニング媒体 %s：%s%s"},
	{"swap.due.now", "now", "今すぐ"},
	{"swap.due.soon", "soon", "近日中"},
	{"swap.due.not-due", "not-due", "不要"},
	{"swap.cleaner", "cleaning cartridge %s (%s, %s left): %s", "クリーニング媒体 %s（%s、残り %s）：%s"},

	// Handling classes, as the printouts show them.
}
