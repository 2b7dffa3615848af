package i18n

// restMessages are the last texts a Japanese user met in English: what
// holds a drive or waits for it, the note on a manifest made from the
// offsite plan, the courier page's refusals, and the notes tapewarden
// itself writes when it closes a prompt.
var restMessages = []entry{
	// What holds a drive (the engine's leases), and why a request waits.
	{"lease.run", "run %s (%s)", "処理 %s（%s）"},
	{"lease.restore", "a restore of run %s (%s)", "処理 %s（%s）の復元"},
	{"lease.key_check", "a key check on run %s (%s)", "処理 %s（%s）の暗号鍵の確認"},
	{"lease.cleaning", "cleaning %s", "%s のクリーニング"},
	{"lease.cleaning_check", "checking the cleaning of %s", "%s のクリーニング結果の確認"},
	{"lease.status_check", "a status check", "状態の確認"},
	{"lease.status_query", "a status query", "状態の問合せ"},
	{"lease.preflight", "the pre-flight check", "事前点検"},
	{"lease.load", "a load requested by %s", "%s が依頼した装填"},
	{"lease.unload", "an unload requested by %s", "%s が依頼した取出し"},
	{"lease.identify", "identifying its cartridge for %s", "%s の依頼による媒体の識別"},
	{"lease.put_in", "a cartridge being put in by %s", "%s による媒体の挿入"},
	{"lease.eject", "an eject requested by %s", "%s が依頼した排出"},
	{"lease.held_by", "%s is held by %s", "%s は%sで使用中"},
	{"lease.promised_to", "%s is promised to %s", "%s は%sに割り当て済み"},

	// The note on a manifest made from the offsite plan, with the note
	// the person gave after it.
	{"manifest.from_plan", "from the offsite plan of %s", "%s の遠隔地保管計画から作成"},
	{"manifest.from_plan_note", "from the offsite plan of %s: %s", "%s の遠隔地保管計画から作成：%s"},

	// The courier's page refusing a scan.
	{"courier.no_scan_id", "the scan has no scan ID; reload the page and scan again", "読取番号がありません。ページを再読み込みしてから、もう一度読み取ってください"},
	{"courier.too_many_scans", "this hand-over already has %s scans, the most one keeps; confirm it, or call the machine room (manifest %s)", "この引渡の読取は上限の %s 件に達しました。引渡を確定するか、サーバ室に連絡してください（搬送票 %s）"},

	// The notes tapewarden writes when it closes a prompt itself. The
	// catalog keeps them in English; these tell them in Japanese.
	{"note.nobody_answered", "nobody answered in time", "期限までに応答がありませんでした"},
	{"note.daemon_restarted", "the daemon restarted; a new prompt is opened if it is still needed", "デーモンが再起動しました。まだ必要なら新しい作業依頼が出されます"},
	{"note.run_stopped", "the run stopped waiting: %s", "処理が待機をやめました：%s"},
	{"note.saw_loaded", "the drive reported a cartridge loaded", "ドライブが媒体の装填を検知しました"},
	{"note.preflight_replaced", "a newer pre-flight check replaces it", "新しい事前点検の結果に置き換えました"},
	{"note.done_at", "done: %s is at %s", "完了：%s は %s にあります"},
	{"note.moved", "%s moved from %s to %s; a new prompt says where to take it from", "%s は %s から %s に移動しました。取り出す場所は新しい作業依頼で示します"},
	{"note.now_at", "%s is now at %s, not %s; a new prompt says where to take it from", "%s は現在 %s にあり、%s にはありません。取り出す場所は新しい作業依頼で示します"},
}
