using System.Text;

namespace BertAdapt.Engine.Tests.Tokenization;

/// <summary>
/// A deterministic, seeded generator of text lines that exercise every rule of BERT's basic
/// tokenizer and WordPiece: casing, accents (precomposed and combining), CJK ideographs next to
/// kana and Hangul, other scripts, emoji, punctuation runs, URLs, paths, numbers, odd whitespace,
/// control and zero-width characters, over-long words, words that need many continuation pieces,
/// and empty lines. All text is written here or assembled from random choices; no data file.
/// </summary>
public static class ParityCorpus
{
    /// <summary>The classes of fragment a line is built from; each line records which it used.</summary>
    public enum Kind
    {
        English, Runbook, Accented, Combining, Cjk, Kana, Hangul, Cyrillic, Greek, Arabic, OtherScript,
        Emoji, Punctuation, Url, FilePath, Number, Whitespace, Control, ZeroWidth, LongWord, ManyPieces, Blank,
    }

    public sealed record Line(string Text, IReadOnlySet<Kind> Kinds);

    static readonly string[] Words =
    [
        "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "service", "restart", "server", "latency",
        "request", "timeout", "memory", "disk", "network", "deploy", "rollback", "cluster", "node", "pod", "alert",
        "incident", "error", "warning", "database", "backup", "restore", "certificate", "expired", "renew", "config",
        "token", "user", "password", "login", "failed", "succeeded", "queue", "worker", "throughput", "cache", "miss",
        "hit", "replica", "primary", "secondary", "failover", "upgrade", "version", "release", "patch", "kernel",
        "firewall", "port", "socket", "connection", "refused", "reset", "handshake", "encryption", "storage", "volume",
        "mount", "permission", "denied", "process", "thread", "signal", "terminated", "healthy", "unhealthy", "probe",
        "readiness", "liveness", "schedule", "cron", "job", "pipeline", "build", "artifact", "registry", "image",
        "container", "orchestration", "monitoring", "dashboard", "metrics", "logging", "tracing", "span", "budget",
        "availability", "region", "zone", "gateway", "proxy", "balancer", "certificate", "rotation", "on-call",
        "escalation", "postmortem", "mitigation", "runbook", "checklist", "verify", "confirm", "investigate",
        "morning", "because", "although", "beautiful", "government", "university", "information", "international",
        "understanding", "responsibility", "unbelievable", "extraordinary", "misconfiguration", "deprovisioning",
        "kubectl", "systemctl", "journalctl", "nginx", "postgres", "redis", "kafka", "terraform", "ansible", "grafana",
        "prometheus", "elasticsearch", "microservice", "autoscaler", "idempotent", "retry", "backoff", "jitter",
        "I", "a", "an", "is", "was", "we", "they", "it", "not", "can't", "won't", "it's", "o'clock", "rock'n'roll",
    ];

    static readonly string[] RunbookLines =
    [
        "ERROR: pod api-7d9f8c-xk2p in CrashLoopBackOff; run `kubectl rollout restart deploy/api -n prod`",
        "WARN [2024-03-07T14:22:05Z] disk /dev/sda1 at 93% (threshold=90%)",
        "Step 3) Verify the TLS cert: openssl s_client -connect db.internal:5432 -starttls postgres",
        "If p99 > 250ms for 5m => page #oncall-sre; else open a P3 ticket (JIRA: OPS-1234).",
        "sudo systemctl status nginx.service && journalctl -u nginx --since \"10 min ago\"",
        "Rollback: helm rollback payments 41 --wait --timeout=300s",
        "NOTE: Do NOT restart the primary while replication_lag_seconds>30!!!",
        "SELECT COUNT(*) FROM orders WHERE status='FAILED' AND created_at > NOW() - INTERVAL '1 hour';",
        "grep -E \"(OOMKilled|Evicted)\" /var/log/kube/events.log | tail -n 50",
        "Escalate to @db-team via PagerDuty -> \"Database Primary\" service.",
        "curl -sS -X POST -H 'Content-Type: application/json' -d '{\"replicas\":3}' http://localhost:8080/scale",
        "export KUBECONFIG=~/.kube/config-prod; kubectl get nodes -o wide",
        "Root cause: a misconfigured HPA (minReplicas=1, maxReplicas=1) blocked scale-out.",
        "Action items: [x] add alert; [ ] fix runbook; [ ] schedule game-day (Q3).",
        "iptables -A INPUT -p tcp --dport 22 -j ACCEPT  # allow ssh",
        "The job `nightly_backup.sh` exited with code 137 (SIGKILL) at 02:14:33 UTC.",
    ];

    static readonly string[] AccentedWords =
    [
        "café", "Café", "CAFÉ", "naïve", "Naïve", "Ångström", "ångström", "façade", "jalapeño", "Zürich", "São Paulo",
        "Øresund", "straße", "STRASSE", "Straße", "ẞ", "Dvořák", "Łódź", "crème brûlée", "résumé", "coöperate", "über",
        "Über", "Ærøskøbing", "İstanbul", "ıstanbul", "Tiếng Việt", "Ñandú", "Åland", "Škoda", "Čapek", "Ğ", "Ÿ", "ǅ",
        "ﬁnance", "Ⅻ", "½", "²", "ª", "º", "µ", "ℌ", "Ω", "Å", "K", "Piñata", "résumé's", "déjà vu", "Mötley Crüe",
        "fiancée", "Provençal", "Erdoğan", "Kraków", "Gdańsk", "Reykjavík", "Þórr", "Ðakovo", "Ørsted", "œuvre", "Œuvre",
    ];

    static readonly string[] CombiningWords =
    [
        "cafe\u0301", "Cafe\u0301", "A\u030Angstro\u0308m", "nai\u0308ve", "e\u0301", "E\u0301", "n\u0303", "a\u0300 la carte",
        "Zu\u0308rich", "o\u0302\u0323", "x\u0301", "q\u0307\u0323", "\u0301lonely", "a\u20DD", "U\u0308ber",
        "e\u0301e\u0301e\u0301", "i\u0307", "\u0041\u030A\u0301", "ha\u0308\u0308ha",
    ];

    static readonly string[] Chinese =
    [
        "中文分词测试", "我爱北京天安门", "机器学习模型", "服务器重启了", "数据库连接失败", "你好，世界！", "系统日志（错误）",
        "漢字", "東京都", "豈", "丽", "㐀㐁", "龥", "中a文b", "测试123", "\U00020000\U00020001", "\U0002A700", "\U0002F800",
    ];

    static readonly string[] Kana =
    [
        "カタカナ", "ひらがな", "コンピュータ", "サーバーを再起動してください", "東京タワーは高い", "日本語のテキスト",
        "ｶﾀｶﾅ", "ガ", "か\u3099", "ヴァイオリン", "ー", "・",
    ];

    static readonly string[] Hangul =
    [
        "한국어", "서버 재시작", "안녕하세요 세계", "데이터베이스", "한국어 텍스트입니다", "ㄱㄴㄷ", "\u1100\u1161\u11A8", "힣",
    ];

    static readonly string[] Cyrillic =
    [
        "Привет, мир!", "ОШИБКА СЕРВЕРА", "перезапуск службы", "Ёлка", "ёжик", "Москва", "Київ", "Ђорђе", "Ѣ", "й", "и\u0306",
    ];

    static readonly string[] Greek =
    [
        "Καλημέρα", "ΟΔΟΣ", "οδός", "Σίσυφος", "ΣΊΣΥΦΟΣ", "αβγδε", "ΑΒΓΔΕ", "Ἀθῆναι", "ΐ", "ς", "λόγος", "ΛΌΓΟΣ",
    ];

    static readonly string[] Arabic =
    [
        "مرحبا بالعالم", "الخادم", "خطأ في الاتصال", "مُحَمَّد", "١٢٣٤٥", "؟", "،", "اللغة العربية",
    ];

    static readonly string[] OtherScripts =
    [
        "שלום עולם", "हिन्दी भाषा", "ภาษาไทย", "বাংলা", "ქართული", "Հայերեն", "தமிழ்", "ᠮᠣᠩᠭᠣᠯ", "ꦗꦮ", "ትግርኛ",
    ];

    static readonly string[] Emoji =
    [
        "🚀", "🔥🔥🔥", "👍", "👍🏽", "👨‍👩‍👧", "❤️", "❤", "🇺🇸", "🇩🇪", "✅", "❌", "⚠️", "😀😃😄", "🤖", "☃", "★",
        "→", "©", "®", "™", "∞", "≠", "≤", "√", "∑", "€", "£", "¥", "₹", "°C", "§", "¶", "†", "‰",
    ];

    static readonly string[] PunctuationRuns =
    [
        "...", "!!", "??", "...!!??", "?!", "--", "---", "—", "–", "‐", "\"quoted\"", "'single'", "“curly”", "‘curly’",
        "«guillemets»", "„German“", "(brackets)", "[square]", "{curly}", "<angle>", "@#$%^&*", "~`|\\", "+=_", "^_^",
        ":-)", ";)", "!!!111", "a.b.c", "e.g.", "i.e.,", "U.S.A.", "…", "¿Qué?", "¡Hola!", "。", "、", "「引用」", "【注意】",
        "《书名》", "﹏", "·", "•", "‼", "⁉", "※", "〜", "＆", "＃", "％", "（全角）", "！", "？", "‹›", "⸮", "‽",
    ];

    static readonly string[] Urls =
    [
        "https://example.com/path/to/page?query=1&x=y#frag", "http://10.0.0.1:8080/healthz", "ftp://files.example.org/pub/",
        "https://user:pa55@host.example.net:443/a%20b?c=d;e=f", "www.Example.COM", "mailto:ops-team@example.com",
        "https://en.wikipedia.org/wiki/Ångström", "s3://bucket-name/logs/2024/03/07/part-00001.gz", "ops@example.com",
        "https://例え.jp/パス", "http://[2001:db8::1]:80/", "git@github.com:org/repo.git",
    ];

    static readonly string[] Paths =
    [
        "C:\\Program Files\\App\\app.exe", "/var/log/syslog.1", "~/.config/app/settings.json", "..\\..\\etc\\passwd",
        "/etc/nginx/conf.d/default.conf", "D:\\Daten\\Übersicht.xlsx", "./scripts/deploy_v2.sh", "/usr/lib/x86_64-linux-gnu/",
        "\\\\fileserver\\share$\\reports", "/home/jdoe/Documents/résumé final (2).pdf", "node_modules/@types/node/index.d.ts",
    ];

    static readonly string[] Numbers =
    [
        "1,234,567.89", "3.14159", "1\u00A0000\u00A0000", "1\u202F000", "10e-3", "-42", "+7", "0x7FFF", "99.9%", "$1,000",
        "€ 5,50", "2024-03-07", "14:22:05.123", "1/2", "3½", "v1.2.3-rc.4", "192.168.0.1", "1e+10", "007", "٣", "①②③",
        "１２３", "Ⅳ", "00:1A:2B:3C:4D:5E", "1_000_000", "(555) 123-4567", "#42", "50°", "10km/h", "5x", "x86_64",
    ];

    static readonly string[] Whitespace =
    [
        " ", "  ", "\t", "\t\t", "\n", "\r\n", "\r", "\u00A0", "\u3000", "\u2003", "\u2009", "\u202F", "\u1680", "\u205F",
    ];

    // HF drops \0, U+FFFD and every char of a "C*" category except \t \n \r; some of these are
    // also whitespace in .NET (\v \f U+0085), which is exactly what makes them interesting.
    static readonly string[] Controls =
    [
        "\u0000", "\u0001", "\u0007", "\u0008", "\u001B", "\u007F", "\uFFFD", "\u000B", "\u000C", "\u0085", "\u009F",
        "\u00AD", "\uE000", "\u0600", "\u061C", "\u2066", "\u202E", "\uFFF9",
    ];

    static readonly string[] ZeroWidth = ["\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u180E", "\u200E", "\u200F"];

    static readonly string[] LongWords =
    [
        "supercalifragilisticexpialidocious", "antidisestablishmentarianism", "pneumonoultramicroscopicsilicovolcanoconiosis",
        "Donaudampfschifffahrtsgesellschaftskapitän", "methylenedioxymethamphetamine", "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch",
        "floccinaucinihilipilification", "hippopotomonstrosesquippedaliophobia", "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz",
    ];

    const string Lower = "abcdefghijklmnopqrstuvwxyz", Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", Digits = "0123456789";

    /// <summary>Lines for one seed; the same seed always gives the same lines.</summary>
    public static IReadOnlyList<Line> Generate(int seed, int count)
    {
        var random = new Random(seed);
        var lines = new List<Line>(count);
        // A fixed head so every class and every boundary appears whatever the seed.
        foreach (var (text, kinds) in FixedLines()) lines.Add(new Line(text, kinds));
        while (lines.Count < count)
        {
            var kinds = new HashSet<Kind>();
            var builder = new StringBuilder();
            int fragments = random.Next(10) switch { 0 => 1, < 5 => 2, < 8 => 4, _ => 8 };
            for (int f = 0; f < fragments; f++)
            {
                if (f > 0) builder.Append(Separator(random, kinds));
                var kind = (Kind)random.Next(Enum.GetValues<Kind>().Length);
                builder.Append(Fragment(random, kind));
                kinds.Add(kind);
            }
            lines.Add(new Line(builder.ToString(), kinds));
        }
        return lines;
    }

    static IEnumerable<(string, HashSet<Kind>)> FixedLines()
    {
        yield return ("", [Kind.Blank]);
        yield return (" ", [Kind.Blank]);
        yield return ("\t \u00A0 \n", [Kind.Blank, Kind.Whitespace]);
        yield return ("\u200B", [Kind.Blank, Kind.ZeroWidth]);
        yield return ("Hello, World! This is a PLAIN English sentence.", [Kind.English]);
        yield return (new string('a', 100), [Kind.LongWord]);
        yield return (new string('a', 101), [Kind.LongWord]);
        yield return ("x" + new string('é', 99), [Kind.LongWord, Kind.Accented]);
        yield return (string.Concat(Enumerable.Repeat("e\u0301", 60)), [Kind.LongWord, Kind.Combining]);
        yield return (string.Concat(Enumerable.Repeat("ab", 50)) + "!" + string.Concat(Enumerable.Repeat("cd", 51)), [Kind.LongWord, Kind.Punctuation]);
        yield return ("Ångström café naïve straße e\u0301", [Kind.Accented, Kind.Combining]);
        yield return ("中文Chinese漢字カタカナ한국어", [Kind.Cjk, Kind.Kana, Kind.Hangul]);
        yield return ("a\u0000b\uFFFDc\u0007d", [Kind.Control]);
        yield return ("a\u000Bb\u000Cc\u0085d", [Kind.Control]);
        yield return ("zero\u200Bwidth\u200Djoiner\uFEFFbom", [Kind.ZeroWidth]);
        yield return ("...!!??--@#$%^&*()[]{}<>", [Kind.Punctuation]);
    }

    static string Separator(Random random, HashSet<Kind> kinds)
    {
        switch (random.Next(12))
        {
            case 0: kinds.Add(Kind.Whitespace); return Pick(random, Whitespace);
            case 1: kinds.Add(Kind.Whitespace); return "\t";
            case 2: kinds.Add(Kind.Whitespace); return "   ";
            case 3: return "";
            default: return " ";
        }
    }

    static string Fragment(Random random, Kind kind) => kind switch
    {
        Kind.English => Sentence(random),
        Kind.Runbook => Pick(random, RunbookLines),
        Kind.Accented => Pick(random, AccentedWords),
        Kind.Combining => Pick(random, CombiningWords),
        Kind.Cjk => Pick(random, Chinese),
        Kind.Kana => Pick(random, Kana),
        Kind.Hangul => Pick(random, Hangul),
        Kind.Cyrillic => Pick(random, Cyrillic),
        Kind.Greek => Pick(random, Greek),
        Kind.Arabic => Pick(random, Arabic),
        Kind.OtherScript => Pick(random, OtherScripts),
        Kind.Emoji => Pick(random, Emoji),
        Kind.Punctuation => random.Next(3) == 0 ? RandomPunctuation(random) : Pick(random, PunctuationRuns),
        Kind.Url => Pick(random, Urls),
        Kind.FilePath => Pick(random, Paths),
        Kind.Number => random.Next(2) == 0 ? Pick(random, Numbers) : RandomNumber(random),
        Kind.Whitespace => Pick(random, Words) + Pick(random, Whitespace) + Pick(random, Whitespace) + Pick(random, Words),
        Kind.Control => Pick(random, Words) + Pick(random, Controls) + Pick(random, Words),
        Kind.ZeroWidth => Pick(random, Words) + Pick(random, ZeroWidth) + Pick(random, Words),
        Kind.LongWord => random.Next(3) == 0 ? Pick(random, LongWords) : RandomWord(random, random.Next(90, 260)),
        Kind.ManyPieces => random.Next(2) == 0 ? RandomWord(random, random.Next(12, 60)) : RandomIdentifier(random),
        Kind.Blank => "",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    static string Pick(Random random, string[] items) => items[random.Next(items.Length)];

    static string Sentence(Random random)
    {
        var builder = new StringBuilder();
        int words = random.Next(3, 16);
        for (int i = 0; i < words; i++)
        {
            if (i > 0) builder.Append(' ');
            var word = Pick(random, Words);
            builder.Append(random.Next(8) switch
            {
                0 => word.ToUpperInvariant(),
                1 or 2 => char.ToUpperInvariant(word[0]) + word[1..],
                3 => new string(word.Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : c).ToArray()),
                _ => word,
            });
            if (random.Next(6) == 0) builder.Append(Pick(random, [",", ";", ":", "'s", "-", "/"]));
        }
        builder.Append(Pick(random, [".", "!", "?", "...", "", "?!"]));
        return builder.ToString();
    }

    /// <summary>Letters in mixed case; long ones exceed the 100-char word limit.</summary>
    static string RandomWord(Random random, int length)
    {
        var chars = new char[length];
        bool upper = random.Next(4) == 0, mixed = random.Next(4) == 0;
        for (int i = 0; i < length; i++)
        {
            var alphabet = mixed ? (random.Next(2) == 0 ? Upper : Lower) : upper ? Upper : Lower;
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }
        return new string(chars);
    }

    static string RandomIdentifier(Random random)
    {
        const string Alphabet = Lower + Upper + Digits;
        int length = random.Next(8, 48);
        var chars = new char[length];
        for (int i = 0; i < length; i++) chars[i] = Alphabet[random.Next(random.Next(3) == 0 ? Alphabet.Length : 36)];
        return new string(chars);
    }

    static string RandomPunctuation(Random random)
    {
        const string Ascii = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
        var chars = new char[random.Next(1, 9)];
        for (int i = 0; i < chars.Length; i++) chars[i] = Ascii[random.Next(Ascii.Length)];
        return new string(chars);
    }

    static string RandomNumber(Random random) => random.Next(5) switch
    {
        0 => random.Next(1_000_000).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        1 => (random.NextDouble() * 1000).ToString("F3", System.Globalization.CultureInfo.InvariantCulture),
        2 => random.Next().ToString("X", System.Globalization.CultureInfo.InvariantCulture),
        3 => $"{random.Next(256)}.{random.Next(256)}.{random.Next(256)}.{random.Next(256)}",
        _ => random.Next(-10_000, 10_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
