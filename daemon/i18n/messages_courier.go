package i18n

// courierMessages are the courier's texts at the end of a trip, when the
// delivery is recorded and the courier is signed out.
var courierMessages = []entry{
	{"courier.done_title", "Delivery recorded", "納品を記録しました"},
	{"courier.done_delivered", "The delivery of %s is recorded. Thank you.", "搬送票 %s の納品を記録しました。ありがとうございました。"},
	{"courier.done_signed_out", "You are signed out: the trip is over, and the code printed on this manifest no longer signs anyone in. For your next trip, sign in with the code printed on its manifest.",
		"搬送が完了したため、ログアウトしました。この搬送票に印刷されたコードではもうログインできません。次の搬送では、その搬送票に印刷されたコードでログインしてください。"},
	{"courier.done_next", "Sign in for another manifest", "別の搬送票でログイン"},
}
