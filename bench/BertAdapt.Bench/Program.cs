// The driver of bench/Measure-Training.ps1. Measures, in one process and one run: the CPU's own
// clock and FLOPs per cycle, the checked matmul peak (fp32, bf16, several shapes), MLM training
// and inference throughput with model-FLOPs utilisation,
// fused against manual attention (alternating steps), the training loop itself (padding with
// shuffled or length-grouped batches, inline or prefetched collation), AdamW's per-parameter
// loop, the tokenizer, memory over a long run, the checkpoint fuzzer's long run and a soak of a
// tiny model (issue 17), the fine-tuning step; reads the PyTorch references' JSON lines (written
// just before by bench/reference_mlm.py and reference_finetune.py) and prints ONE table with the
// ratios, then writes everything as JSON.
using System.Diagnostics;
using System.Text.Json;
using BertAdapt.Bench;
using BertAdapt.Engine.Tokenization;
using static TorchSharp.torch;

string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
var vocabularyPath = Arg("--vocab") ?? throw new ArgumentException("--vocab <vocab.txt> is required");
var outPath = Arg("--out") ?? "bench.json";
var referencePath = Arg("--reference");
bool quick = args.Contains("--quick");
int threads = int.Parse(Arg("--threads") ?? "2");
int steps = int.Parse(Arg("--steps") ?? (quick ? "3" : "5"));
int warmup = int.Parse(Arg("--warmup") ?? "2");
int memorySteps = int.Parse(Arg("--memory-steps") ?? (quick ? "200" : "2000"));
int tokenizerMegabytes = int.Parse(Arg("--tokenizer-mb") ?? (quick ? "20" : "100"));
int fuzzCases = int.Parse(Arg("--fuzz-cases") ?? (quick ? "2000" : "20000"));
int fuzzSeed = int.Parse(Arg("--fuzz-seed") ?? "2026");
int soakSteps = int.Parse(Arg("--soak-steps") ?? (quick ? "1000" : "5000"));
// The inference section (MiniLM against ONNX Runtime) runs only when --minilm names the extracted model's folder.
var miniLm = Arg("--minilm");
int inferenceRounds = int.Parse(Arg("--inference-rounds") ?? (quick ? "3" : "5"));
int inferenceInputs = int.Parse(Arg("--inference-inputs") ?? "384");
var repositoryRoot = Arg("--repo") ?? FuzzBench.FindRepositoryRoot(AppContext.BaseDirectory);

var vocabulary = BertVocabulary.Load(vocabularyPath, lowerCase: true);
// The machine is shared: the 1-minute load average goes with every log line and into the table's header.
string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
var startLoad = Load();
// The load average counts this guest's threads only; steal says how much of the host's time went to other guests.
var steal = new CpuSteal();
var log = (string s) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] (load {Load()}, {CpuSteal.Format(steal.PercentSinceLast())} since the last line) {s}");

// (preset, length, batch, variant, threads)
var plan = new List<(string, int, int, string, int)>
{
    ("mini", 128, 32, "masked", threads), ("mini", 128, 32, "all-positions", threads), ("mini", 128, 32, "bf16", threads),
    ("mini", 128, 32, "masked", 1),
    ("small", 128, 32, "masked", threads), ("small", 128, 32, "all-positions", threads), ("small", 128, 32, "bf16", threads),
};
plan.AddRange([("base", 128, 8, "masked", threads), ("base", 128, 8, "bf16", threads)]);
if (!quick) plan.AddRange([("small", 512, 8, "masked", threads), ("small", 512, 8, "bf16", threads)]);
else plan.RemoveAll(p => p.Item1 == "small" && p.Item4 != "masked" || p.Item5 == 1);
// --only keeps the measurements whose key starts with one of its comma-separated prefixes, e.g.
// "mini:masked", "base" or "mini:masked,small:attention" for a quick look at some of them; the
// sections without a model name are "tokenizer", "memory", "fuzz" (--fuzz-cases damaged checkpoint
// files, --fuzz-seed), "soak" (--soak-steps on the tiny model) and "peak" (the matmul and instruction
// peaks, measured anyway when a training row runs), e.g. --only fuzz,soak; fine-tuning rows are "mini:finetune".
var only = Arg("--only")?.Split(',');
bool Selected(string key) => only is null || only.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal));
plan.RemoveAll(p => !Selected($"{p.Item1}:{p.Item4}:{p.Item2}"));

// The peak is the MFU's denominator: measured when there are training rows to divide. Only
// products checked against float64 count; the instruction rates say what the cores could do.
double peak32 = double.NaN, peak16 = double.NaN;
var matmulRows = new List<MatmulRow>();
InstructionRates? instructions = null;
if (plan.Count > 0 || Selected("peak"))
{
    log("instruction rates (clock, vfmadd231ps, vdpbf16ps)");
    instructions = InstructionPeak.Measure(threads);
    log("matmul peak, checked");
    matmulRows.AddRange(MatmulPeak.Measure(ScalarType.Float32, threads, quick));
    matmulRows.AddRange(MatmulPeak.Measure(ScalarType.BFloat16, threads, quick));
    peak32 = MatmulPeak.Trusted(matmulRows.Where(r => r.Type == "fp32"));
    peak16 = MatmulPeak.Trusted(matmulRows.Where(r => r.Type == "bf16"));
}

// The PyTorch references: read from --reference (run before this process), or with --python run
// here, each row just before the module's row of the same shape, so both see the same minutes of
// a shared machine's load.
var reference = new List<JsonElement>();
if (referencePath is not null && File.Exists(referencePath))
    foreach (var line in File.ReadLines(referencePath).Where(l => l.TrimStart().StartsWith('{')))
        reference.Add(JsonDocument.Parse(line).RootElement);
var python = Arg("--python");
var scripts = Arg("--scripts") ?? Path.Combine(repositoryRoot, "bench");
void RunReference(string script, string preset, int length, int batch)
{
    if (python is null) return;
    log($"reference {script} {preset} T={length} B={batch}");
    var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var a in new[] { Path.Combine(scripts, script), "--threads", $"{threads}", "--rows", $"{preset}:{length}:{batch}", "--warmup", $"{warmup}", "--steps", $"{steps}" })
        start.ArgumentList.Add(a);
    start.Environment["OMP_NUM_THREADS"] = $"{threads}";
    using var child = Process.Start(start)!;
    var output = child.StandardOutput.ReadToEnd();
    child.WaitForExit();
    if (child.ExitCode != 0) { log($"reference {script} failed with exit code {child.ExitCode}"); return; }
    foreach (var line in output.Split('\n').Where(l => l.TrimStart().StartsWith('{')))
        reference.Add(JsonDocument.Parse(line).RootElement);
}

var rows = new List<TrainingRow>();
foreach (var (preset, length, batch, variant, t) in plan)
{
    if (variant == "masked" && t == threads) RunReference("reference_mlm.py", preset, length, batch);
    log($"train {preset} T={length} B={batch} {variant} threads={t}");
    rows.Add(TrainingBench.Run(vocabulary, preset, length, batch, variant, t, warmup, steps, variant == "bf16" ? peak16 : peak32));
}

// The fine-tuning step at the reference's shapes, through FineTuneTrainer itself (full-length examples, so no padding).
var fineTunePlan = new List<(string Preset, int Length, int Batch)> { ("mini", 128, 32), ("small", 128, 32), ("base", 128, 8) };
fineTunePlan.RemoveAll(p => !Selected($"{p.Preset}:finetune:{p.Length}"));
var fineTunes = new List<(int Length, LoopRow Row)>();
foreach (var (preset, length, batch) in fineTunePlan)
{
    RunReference("reference_finetune.py", preset, length, batch);
    log($"fine-tune step {preset} T={length} B={batch}");
    fineTunes.Add((length, LoopBench.Run(vocabulary, preset, "fine-tune", false, 2, batch, warmup, steps, threads, fixedLength: length)));
}

// Fused against manual attention, alternating on one model (rows minutes apart were too noisy to decide between them).
var attentionPlan = new List<(string Preset, int Length, int Batch)> { ("mini", 128, 32), ("small", 128, 32), ("base", 128, 8) };
if (!quick) attentionPlan.AddRange([("mini", 256, 16), ("small", 256, 16), ("small", 512, 8)]);
attentionPlan.RemoveAll(p => !Selected($"{p.Preset}:attention:{p.Length}"));
var attentionRows = new List<AttentionRow>();
foreach (var (preset, length, batch) in attentionPlan)
{
    log($"attention {preset} T={length} B={batch}");
    attentionRows.Add(AttentionBench.Run(vocabulary, preset, length, batch, quick ? 3 : 5, threads));
}

// The real training loop: padding left by the batch order, and collation on a background thread.
var loopPlan = new List<(string Preset, string Job, bool Grouped, int Prefetch, int Batch)>
{
    ("mini", "fine-tune", false, 0, 32), ("mini", "fine-tune", false, 2, 32), ("mini", "fine-tune", true, 2, 32),
    ("mini", "mlm", false, 0, 32), ("mini", "mlm", false, 2, 32),
};
loopPlan.RemoveAll(p => !Selected($"{p.Preset}:{p.Job}"));
var loops = new List<LoopRow>();
if (loopPlan.Count > 0)
{
    // Untimed: the first run in a process is slower for a while (allocator and thread-pool warm-up), which would favour later rows.
    log("loop warm-up (discarded)");
    var (p0, j0, g0, f0, b0) = loopPlan[0];
    LoopBench.Run(vocabulary, p0, j0, g0, f0, b0, warmup, 4, threads);
}
foreach (var (preset, job, grouped, prefetch, batch) in loopPlan)
{
    log($"loop {preset} {job} grouped={grouped} prefetch={prefetch}");
    loops.Add(LoopBench.Run(vocabulary, preset, job, grouped, prefetch, batch, warmup, quick ? 4 : 8, threads));
}
set_num_threads(threads);

var optimizerRows = new List<OptimizerRow>();
foreach (var preset in new[] { "mini", "small", "base" }.Where(p => quick ? p != "base" : true))
{
    if (!Selected($"{preset}:adamw")) continue;
    log($"adamw {preset}");
    optimizerRows.Add(OptimizerBench.Run(vocabulary, preset, threads));
}
set_num_threads(threads);

var tokenizer = Array.Empty<TokenizerRow>();
if (Selected("tokenizer"))
{
    log("tokenizer");
    var corpus = TokenizerBench.GenerateCorpus(vocabulary, tokenizerMegabytes);
    tokenizer = [TokenizerBench.Measure(vocabulary, corpus, 1), TokenizerBench.Measure(vocabulary, corpus, Environment.ProcessorCount)];
    corpus = null;
}

MemoryRow? memory = null;
if (Selected("memory"))
{
    log("memory");
    // Warm-up is the first tenth of the run: the 2,000-step samples show the allocator still growing at step 50 and flat from about step 200.
    memory = MemoryBench.Run(vocabulary, "mini", memorySteps, Math.Max(1, memorySteps / 10), threads);
}

BertAdapt.Engine.Tests.Fuzzing.FuzzReport? fuzz = null;
if (Selected("fuzz"))
{
    log($"fuzz: {fuzzCases} damaged checkpoint files, seed {fuzzSeed}");
    fuzz = FuzzBench.Run(repositoryRoot, fuzzSeed, fuzzCases, log);
}

SoakRow? soak = null;
if (Selected("soak"))
{
    log($"soak: {soakSteps} MLM steps on the tiny model");
    soak = SoakBench.Run(soakSteps, threads);
}
IReadOnlyList<InferenceRow> inferenceRows = [];
IReadOnlyList<InferenceProfile> inferenceProfiles = [];
if (miniLm is not null && Selected("inference"))
{
    log($"inference: MiniLM from {miniLm} against ONNX Runtime, {inferenceInputs} held-out sentences, {inferenceRounds} rounds");
    (inferenceRows, inferenceProfiles) = InferenceBench.Run(miniLm, InferenceBench.Sentences(repositoryRoot, inferenceInputs), [1, 32], inferenceRounds, threads, log);
}
long peakWorkingSet = Process.GetCurrentProcess().PeakWorkingSet64;

// Lines without "job" are MLM rows; MLM rows without "head" are the eager one (all positions), as before issue 16.
string Field(JsonElement j, string name, string absent) => j.TryGetProperty(name, out var v) ? v.GetString() ?? absent : absent;
double? ReferenceTokens(string job, string head, string preset, int length, int batch) => reference.Where(j => Field(j, "job", "mlm") == job
    && (job != "mlm" || Field(j, "head", "all") == head) && j.GetProperty("preset").GetString() == preset
    && j.GetProperty("length").GetInt32() == length && j.GetProperty("batch").GetInt32() == batch)
    .Select(j => (double?)j.GetProperty("tokens_per_s").GetDouble()).FirstOrDefault();
double? Eager(TrainingRow r) => ReferenceTokens("mlm", "all", r.Preset, r.Length, r.Batch);
double? Tuned(TrainingRow r) => ReferenceTokens("mlm", "masked", r.Preset, r.Length, r.Batch);
string Tokens(double? value) => value is double v ? v.ToString("N0") : "-";
string Ratio(double mine, double? theirs) => theirs is double t ? (mine / t).ToString("F2") + "x" : "";

// ---- the one table ----
var runSteal = steal.PercentSinceStart();
var w = Console.Out;
w.WriteLine($"BertAdapt bench  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  threads={threads}  cores={Environment.ProcessorCount}  warmup={warmup} timed={steps} (median)  load average {startLoad} at the start, {Load()} at the end, {CpuSteal.Format(runSteal)} of CPU time over the run");
w.WriteLine($"matmul peak (highest median over the checked shapes below): fp32 {peak32 / 1e9:F1} GFLOP/s   bf16 {peak16 / 1e9:F1} GFLOP/s");
w.WriteLine("MFU = model FLOPs / step time / peak of the row's dtype; model FLOPs = 6·N·tokens (N = non-embedding encoder");
w.WriteLine("      parameters) + 12·L·T·H·tokens (attention) + 6·(H·V + H·H)·masked (MLM head on masked positions only).");
w.WriteLine();
w.WriteLine($"{"model",-6} {"T",4} {"B",3} {"variant",-13} {"attn",-6} {"thr",3} {"step s",7} {"data s",7} {"adamw s",7} {"train tok/s",11} {"MFU",6} {"infer tok/s",11} {"eager ref",9} {"tuned ref",9} {"/eager",6} {"/tuned",6}");
foreach (var r in rows)
{
    bool compared = r.Variant == "masked" && r.Threads == threads;
    var (eager, tuned) = compared ? (Eager(r), Tuned(r)) : (null, null);
    w.WriteLine($"{r.Preset,-6} {r.Length,4} {r.Batch,3} {r.Variant,-13} {r.Attention,-6} {r.Threads,3} {r.StepSeconds,7:F3} {r.DataSeconds,7:F4} {r.OptimizerSeconds,7:F4} " +
        $"{r.TokensPerSecond,11:N0} {r.Mfu,6:P1} {(double.IsNaN(r.InferenceTokensPerSecond) ? "" : r.InferenceTokensPerSecond.ToString("N0")),11} " +
        $"{(compared ? Tokens(eager) : ""),9} {(compared ? Tokens(tuned) : ""),9} {Ratio(r.TokensPerSecond, eager),6} {Ratio(r.TokensPerSecond, tuned),6}");
}
if (reference.Count == 0) w.WriteLine("PyTorch references: skipped (see the line above the table).");
else w.WriteLine($"references: bench/reference_mlm.py, torch {reference[0].GetProperty("torch").GetString()}, {reference[0].GetProperty("threads").GetInt32()} threads, its fp32 matmul " +
    $"{reference.Where(j => j.TryGetProperty("matmul_gflops", out _)).Select(j => j.GetProperty("matmul_gflops").GetDouble()).DefaultIfEmpty(double.NaN).First():F1} GFLOP/s, eager attention, AdamW, clipping; " +
    "eager ref = HF's head (vocabulary projection on every position), tuned ref = masked positions gathered first (NVIDIA BERT, ModernBERT)" +
    (reference.Any(j => j.TryGetProperty("load", out _)) ? $"; load average {reference.Where(j => j.TryGetProperty("load", out _)).Min(j => j.GetProperty("load").GetDouble()):F1}" +
        $" to {reference.Where(j => j.TryGetProperty("load", out _)).Max(j => j.GetProperty("load").GetDouble()):F1} as their rows ended." : "."));
if (fineTunes.Count > 0)
{
    w.WriteLine();
    w.WriteLine("fine-tuning step (sequence classification, 4 labels, full-length examples; FineTuneTrainer: pooler, dropout, classifier, AdamW, clipping, schedule)");
    w.WriteLine("against bench/reference_finetune.py (HF's BertForSequenceClassification in plain torch, same shapes):");
    w.WriteLine($"{"model",-6} {"T",4} {"B",3} {"step s",7} {"train tok/s",11} {"ref tok/s",9} {"ratio",6}");
    foreach (var (length, f) in fineTunes)
    {
        var rt = ReferenceTokens("fine-tune", "", f.Preset, length, f.Batch);
        w.WriteLine($"{f.Preset,-6} {length,4} {f.Batch,3} {f.StepSeconds,7:F3} {f.Batch * length / f.StepSeconds,11:N0} {Tokens(rt),9} {Ratio(f.Batch * length / f.StepSeconds, rt),6}");
    }
}
if (matmulRows.Count > 0)
{
    w.WriteLine();
    w.WriteLine($"matmul check ({threads} threads): 2·m·k·n FLOPs over the median (and best) time; the product is summed in full and compared with a float64 product of the same inputs");
    foreach (var m in matmulRows)
        w.WriteLine($"matmul {m.Type} {m.Shape,-16} {m.FlopsPerSecond / 1e9,7:F1} GFLOP/s (best {m.BestFlopsPerSecond / 1e9,6:F1}, {m.Runs} runs)  relative error {m.RelativeError:E1} (bound {m.ErrorBound:E0}) {(m.Correct ? "ok" : "WRONG: not counted")}");
}
if (instructions is { } ir)
{
    w.WriteLine($"cpu: {ir.Model}; avx512_bf16 {(ir.Flags.Contains("avx512_bf16") ? "yes" : "no")}, avx512_vp2intersect {(ir.Flags.Contains("avx512_vp2intersect") ? "yes" : "no")}");
    w.WriteLine($"instruction rates, one core, best of many short runs: clock {ir.ClockHz / 1e9:F2} GHz (dependent adds); vfmadd231ps zmm {ir.Fp32FlopsPerSecond / 1e9:F1} GFLOP/s = {ir.Fp32FlopsPerCycle:F1} FLOP/cycle; " +
        $"vdpbf16ps zmm {ir.Bf16FlopsPerSecond / 1e9:F1} GFLOP/s = {ir.Bf16FlopsPerCycle:F1} FLOP/cycle; vdpbf16ps on {ir.Cores} cores at once {ir.Bf16FlopsPerSecondAllCores / 1e9:F1} GFLOP/s");
    var (perCycle, why) = InstructionPeak.DocumentedBf16(ir.Family);
    double hardware = ir.Cores * ir.ClockHz * perCycle;
    w.WriteLine($"bf16 peak check: documented {perCycle} FLOP/cycle/core ({why}; measured {ir.Bf16FlopsPerCycle:F0}); " +
        $"{ir.Cores} cores x {ir.ClockHz / 1e9:F2} GHz x {perCycle} = {hardware / 1e9:F0} GFLOP/s. The checked bf16 matmul peak {peak16 / 1e9:F0} GFLOP/s is {peak16 / hardware:P0} of that " +
        $"({(peak16 <= hardware * 1.05 ? "possible, so it is the peak the bf16 MFU uses" : "ABOVE the hardware: a measuring error")}); " +
        $"fp32: {ir.Cores} x {ir.ClockHz / 1e9:F2} GHz x {ir.Fp32FlopsPerCycle:F0} (measured vfmadd231ps) = {ir.Cores * ir.ClockHz * ir.Fp32FlopsPerCycle / 1e9:F0} GFLOP/s, of which the fp32 matmul reaches {peak32 / (ir.Cores * ir.ClockHz * ir.Fp32FlopsPerCycle):P0}.");
    if (rows.FirstOrDefault(x => x.Preset == "base" && x.Length == 128 && x.Variant == "bf16" && x.Threads == threads) is { } b16 && hardware > 0)
        w.WriteLine($"base bf16 training against the hardware's bf16 rate ({hardware / 1e9:F0} GFLOP/s): {b16.ModelFlopsPerStep / b16.StepSeconds / hardware:P1}; against the checked matmul peak: {b16.Mfu:P1}");
}
if (attentionRows.Count > 0)
{
    w.WriteLine();
    w.WriteLine("attention kernels, one model each, training steps alternating fused / manual (speed ratio > 1: fused is faster):");
    foreach (var a in attentionRows)
        w.WriteLine($"attention {a.Preset,-5} T={a.Length,-3} B={a.Batch,-2}: fused {a.FusedSeconds:F3} s/step, manual {a.ManualSeconds:F3} s/step, " +
            $"fused/manual speed {a.FusedOverManualSpeed:F2}x (rounds {string.Join(" ", a.RoundRatios.Select(x => x.ToString("F2")))})");
}
if (loops.Count > 0)
{
    w.WriteLine();
    w.WriteLine("training loop (TrainingLoop itself; tok/s counts real tokens, not padding):");
    w.WriteLine($"{"model",-6} {"job",-9} {"variant",-22} {"B",3} {"steps",5} {"step s",7} {"real tok/s",10} {"padding",8}");
    foreach (var l in loops)
        w.WriteLine($"{l.Preset,-6} {l.Job,-9} {l.Variant,-22} {l.Batch,3} {l.Steps,5} {l.StepSeconds,7:F3} {l.RealTokensPerSecond,10:N0} {l.PaddingFraction,8:P1}");
    LoopRow? Find(string job, string variant) => loops.FirstOrDefault(l => l.Job == job && l.Variant == variant);
    if (Find("fine-tune", "shuffled prefetch=2") is { } shuffled && Find("fine-tune", "grouped prefetch=2") is { } grouped)
        w.WriteLine($"length grouping (fine-tune): padding {shuffled.PaddingFraction:P1} -> {grouped.PaddingFraction:P1}, real tokens/s {grouped.RealTokensPerSecond / shuffled.RealTokensPerSecond:F2}x");
    foreach (var job in new[] { "fine-tune", "mlm" })
        if (Find(job, "shuffled prefetch=0") is { } inline && Find(job, "shuffled prefetch=2") is { } ahead)
            w.WriteLine($"background producer ({job}): {inline.StepSeconds:F3} s/step collating inline, {ahead.StepSeconds:F3} s/step prefetching, {inline.StepSeconds / ahead.StepSeconds:F2}x");
}
if (optimizerRows.Count > 0)
{
    w.WriteLine();
    foreach (var o in optimizerRows)
        w.WriteLine($"adamw {o.Preset,-5}: {o.Tensors} parameter tensors, {o.Elements / 1e6:F1}M values; step {o.PresetStepSeconds:F3} s, of which the per-tensor loop " +
            $"({o.PerTensorSeconds * 1e6:F1} us per tensor, timed on one-element tensors) is {o.OverheadSeconds * 1e3:F1} ms = {o.OverheadSeconds / o.PresetStepSeconds:P1}");
}
w.WriteLine();
foreach (var t in tokenizer)
    w.WriteLine($"tokenizer {t.Mode,-8} threads={t.Threads}  {t.Megabytes:F0} MB  {t.Tokens:N0} tokens  {t.Seconds:F2} s  {t.TokensPerSecond / 1e6:F2} M tokens/s  {t.MegabytesPerSecond:F1} MB/s");
if (memory is not null)
{
w.WriteLine($"memory: {memory.Preset} via MlmTrainer, {memory.Steps} steps: working set {memory.WorkingSetAfterWarmup / 1048576.0:F0} MiB at step {memory.WarmupSteps} -> " +
    $"{memory.WorkingSetAtEnd / 1048576.0:F0} MiB at step {memory.Steps} ({memory.WorkingSetGrowth:+0.0%;-0.0%}); live tensors {memory.LiveTensorsAfterWarmup} -> {memory.LiveTensorsAtEnd}");
w.WriteLine("memory samples (step: working set MiB / managed heap MiB / live tensors): " + string.Join("  ",
    memory.Samples.Select(x => $"{x.Step}: {x.WorkingSet / 1048576.0:F0}/{x.ManagedHeap / 1048576.0:F1}/{x.LiveTensors}")));
}
if (fuzz is not null)
{
    w.WriteLine(fuzz.FiguresLine);
    w.WriteLine("fuzz error ids: " + string.Join(", ", fuzz.ById.Select(p => $"{p.Key} {p.Value}")));
    w.WriteLine("fuzz valid models by file: " + string.Join(", ", fuzz.ValidByKind.Select(p => $"{p.Key} {p.Value}")));
    foreach (var failure in fuzz.Failures) w.WriteLine("fuzz failure: " + failure);
}
if (soak is not null)
{
    w.WriteLine($"soak: tiny model (2 layers, hidden 64) via MlmTrainer, {soak.Steps} steps in {soak.Seconds:F0} s, sampled every {soak.Every}: working set " +
        $"{soak.WorkingSetAfterWarmup / 1048576.0:F1} MiB after warm-up -> {soak.WorkingSetAtEnd / 1048576.0:F1} MiB at the end (growth {soak.WorkingSetGrowth:+0.0%;-0.0%}); " +
        $"managed heap {soak.ManagedHeapAfterWarmup / 1048576.0:F1} -> {soak.ManagedHeapAtEnd / 1048576.0:F1} MiB ({soak.ManagedBytesPerStep:F0} bytes per step: the model's History keeps each step's metrics); " +
        $"live tensors {soak.LiveTensorsAfterWarmup:F0} -> {soak.LiveTensorsAtEnd:F0} ({soak.LiveTensorsAtEnd - soak.LiveTensorsAfterWarmup:+0;-0;0})");
    w.WriteLine("soak samples (step: working set MiB / managed heap MiB / live tensors): " + string.Join("  ",
        soak.Samples.Where((_, i) => i % 5 == 0 || i == soak.Samples.Count - 1).Select(x => $"{x.Step}: {x.WorkingSet / 1048576.0:F0}/{x.ManagedHeap / 1048576.0:F1}/{x.LiveTensors}")));
}
if (inferenceRows.Count > 0)
{
    w.WriteLine();
    w.WriteLine($"inference, all-MiniLM-L6-v2 (fp32, max length 128), {inferenceRows[0].Inputs} held-out sentences, {threads} threads each side (ONNX Runtime {threads} intra-op threads), median of {inferenceRounds} alternating rounds;");
    w.WriteLine("tok/s counts real tokens, tokenization included on all sides. ORT = ONNX Runtime called directly on batches in input order; ORT sorted = on the same length-sorted batches BertAdapt runs.");
    w.WriteLine("libtorch = BertAdapt's default runtime; onnx = BertAdapt with -Runtime OnnxRuntime (the module's in-memory export on ONNX Runtime). Ratios: BertAdapt's tok/s over ORT's.");
    w.WriteLine($"{"task",-17} {"B",3} {"tokens",7} {"pad order",9} {"pad sort",8} {"ORT tok/s",9} {"ORT sort",8} | {"libtorch",8} {"/ORT",5} {"/sort",5} {"|diff|",7} | {"onnx",6} {"/ORT",5} {"/sort",5} {"|diff|",7}");
    foreach (var r in inferenceRows)
        w.WriteLine($"{r.Task,-17} {r.Batch,3} {r.RealTokens,7:N0} {r.PaddingInputOrder,9:P1} {r.PaddingSorted,8:P1} {r.OrtTokensPerSecond,9:N0} {r.OrtSortedTokensPerSecond,8:N0} | " +
            $"{r.OursTokensPerSecond,8:N0} {r.Ratio,4:F2}x {r.RatioSorted,4:F2}x {r.MaxDiff,7:E0} | {r.OursOnnxTokensPerSecond,6:N0} {r.RatioOnnx,4:F2}x {r.RatioOnnxSorted,4:F2}x {r.MaxDiffOnnx,7:E0}");
    w.WriteLine("libtorch/ORT by round: " + string.Join("; ", inferenceRows.Select(r => $"{r.Task} B={r.Batch}: {string.Join(" ", r.RoundRatios.Select(x => x.ToString("F2")))}")));
    foreach (var r in inferenceRows.DistinctBy(r => r.Task)) w.WriteLine($"  {r.Task}: {r.Compared}");
    foreach (var p in inferenceProfiles)
        w.WriteLine($"inference profile B={p.Batch,-2}: tokenization {p.TokenizeSeconds * 1e3:F1} ms, embedding forward {p.ForwardInputOrderSeconds * 1e3:F0} ms in input order " +
            $"(padding {p.PaddingInputOrder:P1}), {p.ForwardSortedSeconds * 1e3:F0} ms length-sorted (padding {p.PaddingSorted:P1})");
}
w.WriteLine($"peak working set of this process: {peakWorkingSet / 1048576.0:F0} MiB");

// ---- goals ----
w.WriteLine();
void Goal(string name, double value, double target, string unit) =>
    w.WriteLine($"goal {name,-38} measured {value,8:F2}{unit}  target >= {target:F2}{unit}  {(value >= target ? "MET" : "NOT MET")}");
foreach (var preset in new[] { "mini", "small", "base" })
{
    var r = rows.FirstOrDefault(x => x.Preset == preset && x.Length == 128 && x.Variant == "masked" && x.Threads == threads);
    if (r is null) continue;
    if (Eager(r) is double eager) Goal($"{preset} training vs eager ref", r.TokensPerSecond / eager, preset == "base" ? 1.2 : 1.5, "x");
    if (Tuned(r) is double tuned) Goal($"{preset} training vs tuned ref", r.TokensPerSecond / tuned, 1.1, "x");
}
foreach (var (length, f) in fineTunes)
    if (ReferenceTokens("fine-tune", "", f.Preset, length, f.Batch) is double rt) Goal($"{f.Preset} fine-tuning vs reference", f.Batch * length / f.StepSeconds / rt, 1.2, "x");
if (rows.FirstOrDefault(x => x.Preset == "base" && x.Length == 128 && x.Variant == "masked" && x.Threads == threads) is { } base32) Goal("base MFU (fp32)", base32.Mfu * 100, 50, "%");
if (rows.FirstOrDefault(x => x.Preset == "base" && x.Length == 128 && x.Variant == "bf16" && x.Threads == threads) is { } base16) Goal("base MFU (bf16, checked matmul peak)", base16.Mfu * 100, 50, "%");
if (tokenizer.Length > 0) Goal("tokenizer single thread", tokenizer[0].TokensPerSecond / 1e6, 5, "M tok/s");
if (memory is not null) Goal("memory flat (100% - growth)", 100 - Math.Abs(memory.WorkingSetGrowth) * 100, 95, "%");
if (fuzz is not null) Goal("fuzz clean (cases without a bad outcome)", 100.0 * (fuzz.ValidModels + fuzz.ErrorIds - fuzz.OverBound) / fuzz.Cases, 100, "%");
// An inference row meets its goal only with outputs that agree: ratio >= 1.0 and max |diff| <= 1e-4.
foreach (var r in inferenceRows)
    foreach (var (runtime, against, ratio, diff) in new[] { ("libtorch", "ORT", r.Ratio, r.MaxDiff), ("libtorch", "ORT sorted", r.RatioSorted, r.MaxDiff),
                 ("onnx", "ORT", r.RatioOnnx, r.MaxDiffOnnx), ("onnx", "ORT sorted", r.RatioOnnxSorted, r.MaxDiffOnnx) })
        w.WriteLine($"goal {$"{r.Task} B={r.Batch} {runtime} vs {against}",-38} measured {ratio,8:F2}x  target >= 1.00x, max |diff| {diff:E1} <= 1e-4  " +
            $"{(ratio >= 1.0 && diff <= 1e-4 ? "MET" : "NOT MET")}");
if (soak is not null) Goal("soak flat (100% - growth)", 100 - Math.Abs(soak.WorkingSetGrowth) * 100, 95, "%");

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
File.WriteAllText(outPath, JsonSerializer.Serialize(new
{
    date = DateTime.UtcNow, threads, stealPercent = runSteal, peakFp32 = peak32, peakBf16 = peak16, matmul = matmulRows, instructions, training = rows, fineTuning = fineTunes.Select(f => f.Row), attention = attentionRows, loops, optimizer = optimizerRows,
    reference, tokenizer, memory, peakWorkingSet, inference = inferenceRows, inferenceProfiles,
    fuzz = fuzz is null ? null : new { fuzz.Cases, fuzz.ValidModels, fuzz.ErrorIds, fuzz.UncleanErrors, fuzz.Crashes, fuzz.OverBound, fuzz.ById, fuzz.Failures,
        fuzz.PeakWorkingSet, fuzz.WorkingSetGrowth, fuzz.MaxCaseAllocated, fuzz.LiveTensorGrowth, Seconds = fuzz.Elapsed.TotalSeconds, fuzzSeed },
    soak = soak is null ? null : new { soak.Steps, soak.Every, soak.Seconds, soak.WorkingSetAfterWarmup, soak.WorkingSetAtEnd, soak.WorkingSetGrowth,
        soak.LiveTensorsAfterWarmup, soak.LiveTensorsAtEnd, soak.Samples },
}, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
w.WriteLine($"JSON: {outPath}");
return 0;
