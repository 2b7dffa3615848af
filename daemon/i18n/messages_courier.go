package i18n

// courierMessages are the courier's texts at the end of a trip, when the
// delivery is recorded and the courier is signed out, and the audit
// page's list of what couriers scanned.
var courierMessages = []entry{
	{"courier.done_title", "Delivery recorded", "納品を記録しました"},
	{"courier.done_delivered", "The delivery of %s is recorded. Thank you.", "搬送票 %s の納品を記録しました。ありがとうございました。"},
	{"courier.done_signed_out", "You are signed out: the trip is over, and the code printed on this manifest no longer signs anyone in. For your next trip, sign in with the code printed on its manifest.",
		"搬送が完了したため、ログアウトしました。この搬送票に印刷されたコードではもうログインできません。次の搬送では、その搬送票に印刷されたコードでログインしてください。"},
	{"courier.done_next", "Sign in for another manifest", "別の搬送票でログイン"},

	// The audit page, with a manifest named: its couriers' scans.
	{"scans.title", "What couriers scanned for %s", "搬送票 %s の読取記録"},
	{"scans.none", "No courier scanned anything for this manifest on the console.", "この搬送票について、コンソールでの読取記録はありません。"},
	{"scans.handover", "Hand-over", "引渡"},
	{"scans.pickup", "pick-up", "集荷"},
	{"scans.delivery", "delivery", "納品"},
	{"scans.kept", "Kept as", "扱い"},
	{"scans.pending", "in progress, not yet confirmed", "確定前"},
	{"scans.recorded", "recorded with the hand-over", "引渡とともに記録"},
	{"scans.cancelled", "set aside: the manifest was cancelled", "搬送票の取消により除外"},
	{"scans.reassigned", "set aside: another courier carries the manifest", "担当者の変更により除外"},
}
