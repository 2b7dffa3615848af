package i18n

// consoleMessages are the words the web console puts on its pages for
// codes the catalog keeps (a manifest item's status, a run's state, an
// audit event's kind, a finding's severity), and its sign-in refusals.
// A code without a word here is shown as itself.
var consoleMessages = []entry{
	// Sign-in refused for a while after too many failures.
	{"login.throttled", "Too many failed sign-ins. Wait %d min and try again, or ask the administrator.", "ログインの失敗が続いたため、一時的に受け付けていません。%d 分後にもう一度試すか、管理者に連絡してください。"},
	{"clogin.throttled", "Too many wrong codes or PINs. Wait %d min and try again, or call the machine room.", "コードか暗証番号の誤りが続いたため、一時的に受け付けていません。%d 分後にもう一度試すか、サーバ室に連絡してください。"},

	// A manifest's cartridge (media.ManifestItem.Status).
	{"item.listed", "listed", "集荷待ち"},
	{"item.picked-up", "picked up", "集荷済"},
	{"item.delivered", "delivered", "納品済"},
	{"item.missing", "missing", "不足"},

	// A discrepancy: its kind, the phase it was found in, how it ended.
	{"disc.missing", "missing", "不足"},
	{"disc.not-on-manifest", "not on the manifest", "搬送票にない媒体"},
	{"disc.unknown", "unknown cartridge", "未登録の媒体"},
	{"phase.pickup", "at pick-up", "集荷時"},
	{"phase.delivery", "at delivery", "納品時"},
	{"resolution.found", "found", "発見"},
	{"resolution.lost", "lost", "紛失"},

	// A run (media.RunState).
	{"run.queued", "queued", "待ち行列"},
	{"run.waiting", "waiting", "待機中"},
	{"run.writing", "writing", "書込み中"},
	{"run.verifying", "verifying", "検証中"},
	{"run.succeeded", "succeeded", "成功"},
	{"run.failed", "failed", "失敗"},
	{"run.cancelled", "cancelled", "取消"},
	{"run.missed", "missed", "未実行"},

	// A restore or a drill (media.OperationState).
	{"op.running", "running", "実行中"},
	{"op.succeeded", "succeeded", "成功"},
	{"op.failed", "failed", "失敗"},
	{"op.cancelled", "cancelled", "取消"},

	// A drill's result.
	{"drill.passed", "passed", "合格"},
	{"drill.failed", "failed", "不合格"},

	// A policy finding (rotation.Severity).
	{"severity.error", "error", "エラー"},
	{"severity.warning", "warning", "警告"},
	{"severity.info", "note", "情報"},

	// The custody log's events (media.Event.Kind).
	{"event.added", "added", "登録"},
	{"event.moved", "moved", "移動"},
	{"event.loaded", "loaded", "装填"},
	{"event.unloaded", "unloaded", "取出し"},
	{"event.mount", "mounted", "マウント"},
	{"event.state", "state changed", "状態変更"},
	{"event.pool", "pool changed", "プール変更"},
	{"event.retired", "retired", "廃棄予定"},
	{"event.erase", "erased", "消去"},
	{"event.disposed", "disposed of", "廃棄"},
	{"event.overwritten", "overwritten", "上書き"},
	{"event.inventory", "inventory", "棚卸し"},
	{"event.tapealert", "TapeAlert warning", "TapeAlert 警告"},
	{"event.cleaned", "drive cleaned", "ドライブ清掃"},
	{"event.cleaning-used", "cleaning cartridge used", "クリーニング媒体使用"},
	{"event.cleaning-failed", "cleaning failed", "清掃失敗"},
	{"event.missing", "missing", "所在不明"},
	{"event.found", "found", "発見"},
	{"event.lost", "lost", "紛失"},
	{"event.manifest-created", "manifest created", "搬送票作成"},
	{"event.manifest-courier", "courier assigned", "搬送担当割当"},
	{"event.manifest-cancelled", "manifest cancelled", "搬送票取消"},
	{"event.courier-code", "courier code issued", "搬送担当コード発行"},
	{"event.picked-up", "picked up", "集荷"},
	{"event.delivered", "delivered", "納品"},
	{"event.discrepancy", "discrepancy", "差異"},
	{"event.discrepancy-resolved", "discrepancy resolved", "差異解決"},
	{"event.prompt-opened", "prompt opened", "作業依頼"},
	{"event.prompt-done", "prompt done", "作業依頼完了"},
	{"event.prompt-cancelled", "prompt not done", "作業依頼取消"},
	{"event.prompt-superseded", "prompt replaced", "作業依頼差替え"},
	{"event.run-succeeded", "run succeeded", "処理成功"},
	{"event.run-failed", "run failed", "処理失敗"},
	{"event.run-cancelled", "run cancelled", "処理取消"},
	{"event.run-missed", "run missed", "処理未実行"},
	{"event.run-coalesced", "runs merged", "処理統合"},
	{"event.drill", "restore drill", "復元訓練"},
	{"event.siteloss-drill", "site-loss drill", "被災想定訓練"},
	{"event.inspection-started", "inspection started", "点検開始"},
	{"event.inspection-finding", "inspection finding", "点検所見"},
	{"event.inspection-resolved", "finding resolved", "所見解決"},
	{"event.inspection-closed", "inspection closed", "点検終了"},
	{"event.account-added", "account added", "アカウント追加"},
	{"event.account-disabled", "account disabled", "アカウント停止"},
	{"event.account-enabled", "account enabled", "アカウント再開"},
	{"event.token-issued", "token issued", "トークン発行"},
	{"event.token-revoked", "token revoked", "トークン失効"},
	{"event.catalog-copied", "catalog copied", "カタログ複製"},
	{"event.catalog-copy-sent", "catalog copy sent", "カタログ複製送付"},
	{"event.catalog-copy-send-failed", "catalog copy not sent", "カタログ複製送付失敗"},

	// The slot map and the prompt cards.
	{"ops.generation", "generation %s", "世代 %s"},
	{"ops.drives_of", "Drives", "ドライブ"},
	{"ops.empty", "empty", "空き"},
	{"ops.waits_for", "waits for prompt %d: %s", "作業依頼 %d（%s）を待っています"},

	// The restore page.
	{"restore.newest", "the newest", "最新"},

	// The console's own refusals: the kind, then what it adds.
	{"err.forbidden", "Your role may not do this", "この操作の権限がありません"},
	{"err.sign_in", "Sign in first", "先にログインしてください"},
	{"err.input", "Check the form", "入力内容を確認してください"},
	{"err.not_found", "Not found", "見つかりません"},
	{"err.not_set_up", "Not set up", "設定されていません"},
	{"err.cross_site", "the form was sent from another site; open the console's own page and send it from there", "別のサイトから送信されたフォームです。この画面のページを開いてから送信してください"},
	{"err.session_ended", "your session has ended", "ログインの有効期限が切れました"},
	{"err.role", "%s %s needs another role than %s", "%s %s は%sの権限ではできません"},
	{"err.form_unreadable", "the form could not be read", "フォームを読み取れませんでした"},
	{"err.form_too_big", "the form is larger than %d KiB", "フォームが %d KiB を超えています"},
	{"err.lang", "choose English or Japanese", "English か日本語を選んでください"},
	{"err.date", "%q is not a date; write it as 2026-12-06", "%q は日付ではありません。2026-12-06 のように入力してください"},
	{"err.barcode", "%q is not a barcode", "%q はバーコードではありません"},
	{"err.prompt_number", "%q is not a prompt number", "%q は作業依頼の番号ではありません"},

	// A drive's TapeAlert flags (SSC; drives.TapeAlert), the ones an
	// operator acts on; others are shown as the drive names them.
	{"tapealert.1", "Read warning", "読取り警告"},
	{"tapealert.2", "Write warning", "書込み警告"},
	{"tapealert.3", "Hard error", "ハードウェアエラー"},
	{"tapealert.4", "Media", "媒体の異常"},
	{"tapealert.5", "Read failure", "読取り失敗"},
	{"tapealert.6", "Write failure", "書込み失敗"},
	{"tapealert.7", "Media life", "媒体の寿命"},
	{"tapealert.8", "Not data grade", "データ用でない媒体"},
	{"tapealert.9", "Write protect", "書込み禁止"},
	{"tapealert.11", "Cleaning media", "クリーニング媒体"},
	{"tapealert.13", "Recoverable mechanical cartridge failure", "媒体の機械的故障（回復可能）"},
	{"tapealert.14", "Unrecoverable mechanical cartridge failure", "媒体の機械的故障（回復不能）"},
	{"tapealert.15", "Memory chip in cartridge failure", "媒体メモリチップの故障"},
	{"tapealert.16", "Forced eject", "強制排出"},
	{"tapealert.19", "Nearing media life", "媒体の寿命が近い"},
	{"tapealert.20", "Cleaning required", "クリーニング必須"},
	{"tapealert.21", "Cleaning requested", "クリーニング要求"},
	{"tapealert.22", "Expired cleaning media", "寿命切れのクリーニング媒体"},
	{"tapealert.23", "Invalid cleaning tape", "使用できないクリーニング媒体"},
	{"tapealert.30", "Hardware A", "ドライブ故障 A"},
	{"tapealert.31", "Hardware B", "ドライブ故障 B"},
	{"tapealert.38", "Predictive failure", "故障の予兆"},
}
