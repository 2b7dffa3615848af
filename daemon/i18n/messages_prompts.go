package i18n

// promptMessages are what the prompts say beyond their action and reason
// (in pageMessages): where a cartridge is, what the pre-flight check
// found, why a cleaning did not take, what an unknown tape holds, a
// cartridge's handling class, and the labels of 'tapewarden prompt list'.
// A place in English is its canonical form, as a command takes it; in
// Japanese it is said in words.
var promptMessages = []entry{
	// Places (see Printer.Place).
	{"place.storage", "%s/%s", "%[1]s の保管場所 %[2]s"},
	{"place.slot", "%s/%s/slot/%s", "%[1]s のライブラリ %[2]s スロット %[3]s"},
	{"place.mailslot", "%s/%s/mailslot/%s", "%[1]s のライブラリ %[2]s メールスロット %[3]s"},
	{"place.drive", "%s/drive/%s", "%[1]s のドライブ %[2]s"},
	{"place.transit", "transit/%s", "搬送中（搬送票 %s）"},

	// Handling classes (see Printer.Class).
	{"class.confidentiality", "confidentiality %s", "機密性 %s"},
	{"class.integrity", "integrity %s", "完全性 %s"},
	{"class.low", "class %s (%s)", "取扱区分 %s（%s）"},
	{"class.high", "CLASS %s (%s)", "【取扱区分 %s】（%s）"},
	{"class.advice.encrypt", "%s: carry it encrypted or in a locked case, keep it locked", "%s：暗号化するか施錠できるケースに入れて運び、施錠して保管してください"},
	{"class.advice.lock", "%s: keep it locked", "%s：施錠して保管してください"},

	// The pre-flight check's findings, as they go into the check prompt.
	{"check.job", "job %s: %s", "ジョブ %s：%s"},
	{"check.space_unknown", "cannot tell how much room the catalog has: %s", "カタログの空き容量を確認できません：%s"},
	{"check.space_low", "the state directory %s has %s free, less than catalog.min_free_mb (%s MiB): the catalog may not be able to record tonight's runs; make room on its file system",
		"状態ディレクトリ %[1]s の空き容量は %[2]s で、catalog.min_free_mb（%[3]s MiB）を下回っています。今夜の処理をカタログに記録できないおそれがあります。このファイルシステムの空き容量を確保してください"},
	{"check.catalog_write", "the catalog has not taken a write since %s: %s", "%s 以降、カタログに書き込めていません：%s"},
	{"check.source_missing", "source %s does not exist; create it or correct the job's source.paths", "バックアップ元 %s が存在しません。作成するか、ジョブの source.paths を直してください"},
	{"check.source_stat", "source %s cannot be examined: %s", "バックアップ元 %s を確認できません：%s"},
	{"check.source_dangling", "source %s is a symbolic link to something that does not exist: %s", "バックアップ元 %s は存在しない先を指すシンボリックリンクです：%s"},
	{"check.source_unreadable", "source %s cannot be read by the daemon: %s", "バックアップ元 %s をデーモンが読み取れません：%s"},
	{"check.source_unlistable", "source directory %s cannot be listed by the daemon: %s", "バックアップ元ディレクトリ %s の中身をデーモンが一覧できません：%s"},
	{"check.source_command", "source command %s cannot be run: %s", "バックアップ元コマンド %s を実行できません：%s"},
	{"check.no_drive_for_pool", "no configured drive can write pool %s's cartridges", "プール %s の媒体に書き込めるドライブが設定されていません"},
	{"check.drive_absent", "%s (%s)", "ドライブ %s（%s）"},
	{"check.drives_absent", "no drive the job may use is present: %s", "このジョブが使えるドライブが見当たりません：%s"},
	{"check.no_cartridge", "no cartridge of pool %s can be written at %s: %s", "%[2]s の時点で、プール %[1]s に書き込める媒体がありません：%[3]s"},
	{"check.in_transit", "%s, which the run at %s writes, is in transit (%s); have it delivered to the machine room before then",
		"%[2]s の処理で書き込む %[1]s は搬送中です（%[3]s）。それまでにマシン室へ届けてもらってください"},
	{"check.or", " or ", " または "},
	{"check.not_at_drives", "%s, which the run at %s writes, is at %s, not at %s where the job's drives are; bring it back before then",
		"%[2]s の処理で書き込む %[1]s は %[3]s にあり、ジョブのドライブがある %[4]s にはありません。それまでに戻してください"},
	{"check.pool_missing", "pool %s is not configured", "プール %s は設定されていません"},
	{"check.cleaner_history", "cannot read drive %s's history: %s", "ドライブ %s の履歴を読み取れません：%s"},
	{"check.no_cleaner", "no usable cleaning cartridge for drive %s", "ドライブ %s に使えるクリーニング媒体がありません"},
	{"check.drive_open", "drive %s (%s) cannot be opened: %s", "ドライブ %s（%s）を開けません：%s"},
	{"check.drive_silent", "drive %s does not answer: %s", "ドライブ %s が応答しません：%s"},

	// What the system said, for a Japanese reader (see engine's errText).
	{"err.not_exist", "no such file or directory", "ファイルまたはディレクトリがありません"},
	{"err.permission", "permission denied", "アクセス権がありません"},
	{"err.not_in_path", "executable file not found in $PATH", "実行ファイルが PATH にありません"},
	{"err.no_space", "no space left on device", "ディスクの空き容量がありません"},
	{"err.no_device", "no such device", "デバイスがありません"},
	{"err.io", "input/output error", "入出力エラーが起きました"},
	{"err.other", "%s", "システムのエラー「%s」"},

	// Cleaning.
	{"clean.due", "due", "クリーニングの時期です"},
	{"clean.requested", "requested by %s", "%s さんの依頼"},
	{"clean.requested_note", "requested by %s: %s", "%s さんの依頼：%s"},
	{"clean.not_cleaned", "the drive did not clean", "ドライブがクリーニングを行いませんでした"},
	{"clean.expired", "the drive reported the cleaning cartridge expired (TapeAlert 22)", "ドライブがクリーニング媒体の寿命切れを報告しました（TapeAlert 22）"},
	{"clean.invalid", "the drive reported an invalid cleaning cartridge (TapeAlert 23)", "ドライブがクリーニング媒体を不正と報告しました（TapeAlert 23）"},
	{"prompt.clean.again_why", "after prompt %s the drive was not cleaned (%s); %s", "作業依頼 %s の後もドライブはクリーニングされていません（%s）。%s"},

	// Loads asked again.
	{"prompt.why.again", "%s; %s", "%s。引き続き：%s"},
	{"prompt.load.blank", "after prompt %s the %s in %s was blank and not %s; it was ejected", "作業依頼 %[1]s の後、ドライブ %[3]s の%[2]sは未使用で %[4]s ではなかったため、排出しました"},
	{"prompt.load.unidentified", "after prompt %s the %s in %s could not be identified (%s); it was ejected and was not written", "作業依頼 %[1]s の後、ドライブ %[3]s の%[2]sを識別できませんでした（%[4]s）。排出し、書き込みはしていません"},
	{"prompt.load.unknown_label", "after prompt %s drive %s holds a %s labelled %s, which is not in the catalog; it was ejected and was not written", "作業依頼 %[1]s の後、ドライブ %[2]s にあった%[3]s（ラベル %[4]s）はカタログにありません。排出し、書き込みはしていません"},
	{"prompt.load.wrong", "after prompt %s drive %s held %s, not %s; it was ejected and was not written", "作業依頼 %[1]s の後、ドライブ %[2]s にあったのは %[4]s ではなく %[3]s でした。排出し、書き込みはしていません"},

	// Disks a directory drive takes.
	{"disk.labelled", "a disk labelled %s", "ラベルが %s のディスク"},
	{"disk.uuid", "a disk with UUID %s", "UUID が %s のディスク"},

	// What a tape holds that the catalog does not know.
	{"unknown.catalog_file", "a catalog file of catalog %s (%s, tape file %s)", "カタログ %[1]s のカタログファイル（%[2]s、テープファイル %[3]s）"},
	{"unknown.run", "job %s run %s (%s, %s bytes in tape file %s)", "ジョブ %[1]s の処理 %[2]s（%[3]s、テープファイル %[5]s に %[4]s バイト）"},
	{"unknown.run_generation", "job %s run %s generation %s (%s, %s bytes in tape file %s)", "ジョブ %[1]s の処理 %[2]s・世代 %[3]s（%[4]s、テープファイル %[6]s に %[5]s バイト）"},
	{"unknown.more", "and %s more", "ほか %s 件"},
	{"unknown.runs", "%s this catalog has no record of: %s", "このカタログに記録のない処理 %s 件：%s"},
	{"unknown.none", "no trailer this catalog knows", "このカタログが知るトレーラーはありません"},
	{"unknown.truncated", ", and more than %s files", "。ほかに %s を超えるファイルがあります"},

	// 'tapewarden prompt list'.
	{"prompts.none", "no prompts waiting", "待っている作業依頼はありません"},
	{"prompts.head", "prompt %s [%s, %s, %s old]", "作業依頼 %[1]s ［%[2]s、%[3]s、%[4]s経過］"},
	{"prompts.escalated", "%s, ESCALATED", "%s、督促済み"},
	{"prompts.class", "  class: %s", "  取扱い：%s"},
	{"prompts.do", "  do:    %s", "  作業：%s"},
	{"prompts.where", "  where: %s", "  場所：%s"},
	{"prompts.why", "  why:   %s", "  理由：%s"},
	{"prompts.note", "  note:  %s", "  メモ：%s"},
	{"prompts.then", "  then:  tapewarden prompt done %s", "  完了したら：tapewarden prompt done %s"},
	{"prompts.or", "  or:    tapewarden prompt cancel %s (if it cannot be done)", "  できなければ：tapewarden prompt cancel %s"},
	{"prompt.state.open", "open", "対応待ち"},
	{"prompt.state.done", "done", "完了"},
	{"prompt.state.cancelled", "cancelled", "取消"},
	{"prompt.state.superseded", "superseded", "差し替え済み"},
	{"duration.day", "%s days", "%s 日"},
	{"duration.day.one", "1 day", "1 日"},
	{"duration.hour", "%s hours", "%s 時間"},
	{"duration.hour.one", "1 hour", "1 時間"},
	{"duration.minute", "%s minutes", "%s 分"},
	{"duration.minute.one", "1 minute", "1 分"},
	{"duration.second", "%s seconds", "%s 秒"},
	{"duration.second.one", "1 second", "1 秒"},
	{"duration.instant", "less than a second", "1 秒未満"},
}
