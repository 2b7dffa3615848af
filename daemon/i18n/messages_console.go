package i18n

// consoleMessages are the words the web console puts on its pages for
// codes the catalog keeps (a manifest item's status, a run's state, an
// audit event's kind, a finding's severity), and its sign-in refusals.
// A code without a word here is shown as itself.
var consoleMessages = []entry{
	// Sign-in refused for a while after too many failures.
	{"login.throttled", "Too many failed sign-ins. Try again in %d minutes, or ask the administrator.", "ログインの失敗が続いたため、一時的に受け付けていません。%d 分後にもう一度試すか、管理者に連絡してください。"},
	{"clogin.throttled", "Too many wrong codes or PINs. Try again in %d minutes, or call the machine room.", "コードか暗証番号の誤りが続いたため、一時的に受け付けていません。%d 分後にもう一度試すか、サーバー室に連絡してください。"},
}
