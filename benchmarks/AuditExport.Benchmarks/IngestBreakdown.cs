using System.Diagnostics;
using System.Text.Json;
using AuditExport.AuditStore;
using AuditExport.Hosting;
using AuditExport.Ingest;
using AuditExport.LocalHost;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AuditExport.Benchmarks;

/// <summary>
/// Where the CPU of one 500-event invocation goes (issue 28), in this process, stage by stage on the same input, each
/// repeated <c>iterations</c> times after a warm-up: process CPU time (all threads: the SDK's and the GC's work counts)
/// and bytes allocated, per invocation. Then the same invocations through the handler's own IngestService from the
/// invocation's bytes (in-process full path), whose figure the stages must add up to; beside it the handler process's
/// figure from the ingest benchmark of the same run, which adds Kestrel, routing, the answer and logging.
/// </summary>
public static class IngestBreakdown
{
    public sealed record Stage(string Name, double CpuMs, double AllocatedKiB);

    public static async Task<List<Stage>> RunAsync(Emulators emulators, Results results, int iterations, int rounds = 6, int warmup = 30)
    {
        var run = Handlers.RunId();
        var settings = Handlers.Settings(emulators.StorageConnectionString, run);
        settings[HandlerApp.PortVariable] = "0";
        await using var app = HandlerApp.Build(settings.Select(s => $"--{s.Key}={s.Value}").ToArray());
        // The HTTP part alone: the same request to an endpoint that only reads the body and answers, as the trigger's does.
        app.MapPost(BodyOnlyPath, async (HttpRequest request) =>
        {
            using var body = await InvocationBody.ReadAsync(request, int.MaxValue, IngestAuditEventsFunction.BindingName, request.HttpContext.RequestAborted);
            return Microsoft.AspNetCore.Http.Results.Json(new InvocationResponse { Logs = [] }, HandlerJson.Options);
        });
        await app.StartAsync();
        var ingest = app.Services.GetRequiredService<IngestService>();
        var table = app.Services.GetRequiredService<AuditTable>();
        var options = ingest.Options;
        var workload = new Workload(500, seed: 5);
        var now = DateTimeOffset.UtcNow;
        byte[] Invocation(int i) => EventHubInvocation.Serialize(EventHubInvocation.Create(workload.Events, "0", (long)i * 500, now, dataType: "binary"));
        var invocation = Invocation(0);

        // Each stage's input, made once by the stage before it.
        using var body = await ReadBodyAsync(invocation, options.InvocationMemoryBytes);
        var batch = Unwrap(body, options);
        var splitter = new ElementSplitter(new AuditEventValidator(options.MaxEventBytes, TimeProvider.System));
        var accepted = Split(splitter, batch);
        var segments = new SegmentPacker(options.SegmentTargetBytes).Pack(accepted, []);
        await table.EnsureExistsAsync(CancellationToken.None);
        var shard = AuditEventKeys.Shard("0", table.ShardCount);
        var partitionKey = AuditEventKeys.PartitionKey(now, shard);
        List<TableTransactionAction> Operations(int i) =>
        [
            .. segments.Select((s, n) => new TableTransactionAction(TableTransactionActionType.Add,
                SegmentEntity.Create(partitionKey, AuditEventKeys.SegmentRowKey(now, "bench", $"{i:D10}.{n:D5}"), s, now, "0", 0, 499))),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partitionKey, AuditEventKeys.LedgerRowKey("bench")) { ["Ranges"] = $"0-{i}" }),
        ];

        var perRound = iterations + warmup;
        var invocations = Enumerable.Range(0, rounds * perRound).Select(i => Invocation(i + 1)).ToList();
        // Through Kestrel in this process: partition 1 one at a time, partitions 4 to 7 four at once (as the ingest benchmark's
        // four partitions arrive), each partition's sequence numbers counting on.
        byte[] OnPartition(string partition, int i) => EventHubInvocation.Serialize(EventHubInvocation.Create(workload.Events, partition, (long)i * 500, now, dataType: "binary"));
        var overHttp = Enumerable.Range(0, rounds * perRound).Select(i => OnPartition("1", i)).ToList();
        var fourAtOnce = Enumerable.Range(0, rounds * perRound).Select(i => OnPartition((4 + i % 4).ToString(), i / 4)).ToList();
        using var kestrel = new FunctionsHostClient(new Uri(app.Urls.First()));
        var uncachedInvocations = Enumerable.Range(0, rounds * perRound).Select(i => Invocation(i + 1 + rounds * perRound)).ToList();
        // Every row measured once per round, the rows in turn, and the median of the rounds after the first reported. In
        // the first, code measured early still runs partly unoptimised (tiered JIT promotes methods after 30 calls and a
        // delay), which made the stages add up to 1.37 times the full path. One round alone varied by ±10 %, as much as
        // the ledger read this compares.
        var measuredRounds = new Dictionary<string, List<Stage>>();
        for (var round = 0; round < rounds; round++)
        {
            var offset = round * perRound;
            var prepared = Enumerable.Range(offset, perRound).Select(Operations).ToList();
            List<Stage> measured =
            [
                await MeasureAsync(warmup, ReadBody, iterations, async _ => (await ReadBodyAsync(invocation, options.InvocationMemoryBytes)).Dispose()),
                await MeasureAsync(warmup, UnwrapStage, iterations, _ => Task.FromResult(Unwrap(body, options))),
                // The same two stages as before the batch was cut out: still the path for any body the fast paths defer.
                await MeasureAsync(warmup, ReadWhole, iterations, _ => Task.FromResult(ReadWholeAndUnwrap(invocation, options))),
                await MeasureAsync(warmup, "split and validate 500 events", iterations, _ => Task.FromResult(Split(splitter, batch))),
                await MeasureAsync(warmup, "pack and compress (zlib level 2)", iterations, _ => Task.FromResult(new SegmentPacker(options.SegmentTargetBytes).Pack(accepted, []))),
                await MeasureAsync(warmup, Transaction, iterations, i => Task.FromResult(Operations(offset + i))),
                await MeasureAsync(warmup, LedgerRead, iterations, _ => table.Client.GetEntityIfExistsAsync<TableEntity>(partitionKey, AuditEventKeys.LedgerRowKey("0"))),
                await MeasureAsync(warmup, Send, iterations, i => table.Client.SubmitTransactionAsync(prepared[i])),
                // The same stages one after another per invocation: what interaction (caches, GC) adds to the separate figures.
                await MeasureAsync(warmup, Chained, iterations, async i =>
                {
                    using var read = await ReadBodyAsync(invocations[offset + i], options.InvocationMemoryBytes);
                    var events = Split(splitter, Unwrap(read, options));
                    var packed = new SegmentPacker(options.SegmentTargetBytes).Pack(events, []);
                    await table.Client.SubmitTransactionAsync(
                    [
                        .. packed.Select((s, n) => new TableTransactionAction(TableTransactionActionType.Add,
                            SegmentEntity.Create(partitionKey, AuditEventKeys.SegmentRowKey(now, "chained", $"{offset + i:D10}.{n:D5}"), s, now, "0", 0, 499))),
                        new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partitionKey, AuditEventKeys.LedgerRowKey("chained")) { ["Ranges"] = $"0-{i}" }),
                    ]);
                }),
                await MeasureAsync(warmup, Full, iterations, async i =>
                {
                    using var read = await ReadBodyAsync(invocations[offset + i], options.InvocationMemoryBytes);
                    await ingest.IngestAsync(Unwrap(read, options), CancellationToken.None);
                }),
                // The same invocation through Kestrel, routing and the answer; the client's send of the body counts too.
                await MeasureAsync(warmup, OverHttp, iterations, async i => Succeeded(await kestrel.InvokeAsync(IngestAuditEventsFunction.Name, overHttp[offset + i]))),
                await MeasureAsync(warmup, BodyOnly, iterations, async i => Succeeded(await kestrel.InvokeAsync(BodyOnlyPath.TrimStart('/'), overHttp[offset + i]))),
                // Four at once on this machine's two cores, as the handler process meets them.
                await MeasureAsync(warmup, FourAtOnce, iterations, async i =>
                {
                    if (i % 4 == 0)
                    {
                        var group = Enumerable.Range(offset + i, 4).Where(n => n < overHttp.Count).Select(n => kestrel.InvokeAsync(IngestAuditEventsFunction.Name, fourAtOnce[n]));
                        foreach (var answer in await Task.WhenAll(group))
                        {
                            Succeeded(answer);
                        }
                    }
                }),
                // Before the ledger cache, in the same run: a new IngestService per invocation has no ledger copy and reads it.
                await MeasureAsync(warmup, Uncached, iterations, async i =>
                {
                    using var read = await ReadBodyAsync(uncachedInvocations[offset + i], options.InvocationMemoryBytes);
                    await ActivatorUtilities.CreateInstance<IngestService>(app.Services).IngestAsync(Unwrap(read, options), CancellationToken.None);
                }),
            ];
            if (round > 0)
            {
                foreach (var stage in measured)
                {
                    (measuredRounds.TryGetValue(stage.Name, out var list) ? list : measuredRounds[stage.Name] = []).Add(stage);
                }
            }
        }

        await ReadPathsAlternatingAsync(invocation, options, results, pairs: Math.Min(1_500, iterations * 8), warmup: Math.Min(200, iterations * 2));

        var medians = measuredRounds.Select(r => new Stage(r.Key, Median(r.Value.Select(s => s.CpuMs)), Median(r.Value.Select(s => s.AllocatedKiB).Where(a => !double.IsNaN(a))))).ToList();
        Stage Row(string name) => medians.Single(s => s.Name == name);
        var stages = medians.Where(s => s.Name is not (Chained or Full or Uncached or OverHttp or BodyOnly or FourAtOnce or ReadWhole)).ToList();
        var (chained, full, uncached) = (Row(Chained), Row(Full), Row(Uncached));
        // The handler reads the ledger only for a partition's first batch now: the stages it runs are all but that one.
        var sum = stages.Sum(s => s.CpuMs);
        var cachedSum = sum - Row(LedgerRead).CpuMs;
        foreach (var stage in medians)
        {
            var spread = measuredRounds[stage.Name].Select(s => s.CpuMs).ToList();
            results.Add(new Measurement("Ingest breakdown", stage.Name, new()
            {
                ["CPU ms per invocation"] = stage.CpuMs,
                ["CPU ms per 1k events"] = stage.CpuMs * 2,
                ["share of the stages"] = stage.CpuMs / sum,
                ["allocated KiB"] = stage.AllocatedKiB,
                ["lowest round ÷ median"] = spread.Min() / stage.CpuMs,
                ["highest round ÷ median"] = spread.Max() / stage.CpuMs,
            }));
        }
        results.Add(new Measurement("Ingest breakdown", "stages summed, but the ledger read ÷ in-process full path", new() { ["ratio"] = cachedSum / full.CpuMs }));
        results.Add(new Measurement("Ingest breakdown", "all stages summed ÷ in-process full path with no ledger copy", new() { ["ratio"] = sum / uncached.CpuMs }));
        results.Add(new Measurement("Ingest breakdown", "stages one after another ÷ in-process full path", new() { ["ratio"] = chained.CpuMs / full.CpuMs }));
        results.Add(new Measurement("Ingest breakdown", "ledger cache: full path with ÷ without", new() { ["ratio"] = full.CpuMs / uncached.CpuMs }));
        results.Add(new Measurement("Ingest breakdown", "through Kestrel one at a time ÷ in-process full path", new() { ["ratio"] = Row(OverHttp).CpuMs / full.CpuMs }));
        results.Add(new Measurement("Ingest breakdown", "through Kestrel one at a time minus in-process full path, ÷ the body read and answered only",
            new() { ["ratio"] = (Row(OverHttp).CpuMs - full.CpuMs) / Row(BodyOnly).CpuMs }));
        results.Add(new Measurement("Ingest breakdown", "through Kestrel four at once ÷ one at a time", new() { ["ratio"] = Row(FourAtOnce).CpuMs / Row(OverHttp).CpuMs }));
        // The pipeline alone (the issue's "98 MiB/s per core"): the invocation read, unwrapped, split, validated, packed, compressed.
        var pipelineMs = stages.Where(s => s.Name is not (LedgerRead or Transaction or Send)).Sum(s => s.CpuMs);
        results.Add(new Measurement("Ingest breakdown", "the pipeline alone (read, unwrap, split and validate, pack and compress): MiB/s per core",
            new() { ["ratio"] = workload.Bytes / 1024.0 / 1024 / (pipelineMs / 1000) }));
        var readWholeMs = Row(ReadWhole).CpuMs;
        var readNowMs = Row(ReadBody).CpuMs + Row(UnwrapStage).CpuMs;
        results.Add(new Measurement("Ingest breakdown", "read and unwrap: now ÷ the whole body parsed (as before the cut)", new() { ["ratio"] = readNowMs / readWholeMs }));
        results.Add(new Measurement("Ingest breakdown", "the pipeline alone, reading the whole body as before the cut: MiB/s per core",
            new() { ["ratio"] = workload.Bytes / 1024.0 / 1024 / ((pipelineMs - readNowMs + readWholeMs) / 1000) }));
        results.Add(new Measurement("Ingest breakdown", "compression: event bytes ÷ segment bytes (zlib level 2)",
            new() { ["ratio"] = (double)segments.Sum(s => s.RawBytes) / segments.Sum(s => s.Compressed.Length) }));
        return [.. stages, full];
    }

    /// <summary>
    /// The ingest benchmark's full path (100,000 events, 4 partitions) in a handler process per variant, the variants in
    /// turn, forward then backward, <paramref name="rounds"/> rounds; then each variant's medians. <paramref name="before"/> is another build
    /// of the handler (its AuditExport.dll and a label), measured as deployed.
    /// </summary>
    public static async Task RuntimeAsync(Emulators emulators, Results results, (string Path, string Label)? before, int rounds = 3)
    {
        var variants = new List<(string Label, Dictionary<string, string> Environment, string? Handler)>();
        if (before is { } b)
        {
            variants.Add(($"before: {b.Label}, as deployed", [], b.Path));
        }
        variants.AddRange(
        [
            (AsDeployed, [], null),
            ("workstation GC", new() { ["DOTNET_gcServer"] = "0" }, null),
            ("gen0 budget 64 MiB", new() { ["DOTNET_GCgen0size"] = "0x4000000" }, null),
            ("TieredPGO on", new() { ["DOTNET_TieredPGO"] = "1" }, null),
            ("thread pool workers do not spin", new() { ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0" }, null),
        ]);
        var measured = variants.ToDictionary(v => v.Label, _ => new List<Measurement>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (label, environment, handler) in round % 2 == 0 ? variants : Enumerable.Reverse(variants))
            {
                measured[label].Add(await IngestBenchmark.RunAsync(emulators, new Workload(Suite.Full.Ingest), Suite.Full.WarmUp, 4, 500, 4, results,
                    "Ingest runtime, each round", environment, $"{label}, round {round + 1}", handler));
            }
        }
        const string HandlerCpu = "ours handler CPU ms per 1k events";
        double MedianOf(string label, string column) => Median(measured[label].Select(m => m.Values[column]));
        var deployed = MedianOf(AsDeployed, HandlerCpu);
        foreach (var (label, _, _) in variants)
        {
            var cpu = MedianOf(label, HandlerCpu);
            results.Add(new Measurement("Ingest runtime, medians", label, new()
            {
                [HandlerCpu] = cpu,
                ["lowest round"] = measured[label].Min(m => m.Values[HandlerCpu]),
                ["highest round"] = measured[label].Max(m => m.Values[HandlerCpu]),
                ["ours MiB/s"] = MedianOf(label, "ours MiB/s"),
                ["ratio to the ceiling"] = MedianOf(label, "ratio"),
                ["Azurite CPU ours ÷ ceiling's"] = Median(measured[label].Select(m => m.Values["ours Azurite CPU ms per 1k events"] / m.Values["ceiling Azurite CPU ms per 1k events"])),
                ["handler CPU ÷ as deployed"] = cpu / deployed,
            }));
        }
    }

    private const string AsDeployed = "as deployed (server GC, the Web SDK's default; TieredPGO off)";
    private const string ReadBody = "read the invocation body (HttpRequest body to a JSON document, the one-string batch cut out)";
    private const string Transaction = "build the transaction (entities, base64 properties)";
    private const string Send = "the SDK's serialization and the HTTP send (one batch transaction)";
    private const string LedgerRead = "read the ledger (one point query; a partition's first batch only, since the ledger cache)";
    private const string Chained = "the stages one after another";
    private const string Full = "in-process full path: body to stored, through IngestService";
    private const string Uncached = "in-process full path, no ledger copy (as before the ledger cache)";
    private const string OverHttp = "through Kestrel in this process, one at a time (the client's send included)";
    private const string UnwrapStage = "unwrap the events (metadata, base64 bodies)";
    private const string ReadWhole = "read and unwrap as before the cut (the whole body parsed, the batch unescaped and parsed again)";
    private const string BodyOnly = "through Kestrel in this process, the body read and answered only (no ingest)";
    private const string BodyOnlyPath = "/breakdown-body-only";
    private const string FourAtOnce = "through Kestrel in this process, four at once (four partitions)";

    private static void Succeeded(FunctionsHostClient.Result answer)
    {
        if (!answer.Succeeded)
        {
            throw new InvalidOperationException($"The invocation failed ({answer.Status}): {string.Join(" ", answer.Logs)}");
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public const string Reading = """
        How to read this (`scripts/benchmark.sh --breakdown [--before REF]`, issue 28). "Ingest breakdown": process CPU (all
        threads) and bytes allocated per 500-event invocation (events of about 1 KiB), in one process, each stage alone on the
        same input after a warm-up; six rounds with the rows in turn, the median of the last five and the spread of them.
        What the stages do not show is the difference of two rows:
        - interaction between stages (caches, GC, the SDK's pools): "the stages one after another" minus the stages summed;
        - IngestService's own bookkeeping (ledger, duplicates, tally, logs): "in-process full path" minus "one after another";
        - Kestrel, routing, the invocation's answer and logging: "through Kestrel in this process, one at a time" (the
          client's send of the body included) minus the in-process full path; four invocations at once on two cores: "four
          at once" minus "one at a time";
        - the handler process around it (its own process, server GC): "Ingest runtime" (the handler process, per 1,000
          events) minus "four at once" per 1,000.
        "Ingest runtime" runs the ingest benchmark's full path (100,000 events, 4 partitions, after a 50,000-event warm-up)
        in a handler process per variant: an earlier build of the handler ("before", as deployed) and this build as deployed
        and under other GC, JIT and thread-pool settings; the variants in turn, three rounds (`--runtime-rounds N` for more); CPU
        is the handler process's.
        """;

    private static async Task<Stage> MeasureAsync(int warmup, string name, int iterations, Func<int, Task> action)
    {
        for (var i = 0; i < warmup; i++)
        {
            await action(iterations + i); // the last inputs: the measured iterations use 0 .. iterations-1
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < iterations; i++)
        {
            await action(i);
        }
        var allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
        process.Refresh();
        // Seen once: the total went down across a measurement (the runtime's count, not ours); such a figure is left out.
        var stage = new Stage(name, (process.TotalProcessorTime - cpu).TotalMilliseconds / iterations,
            allocatedAfter >= allocated ? (allocatedAfter - allocated) / 1024.0 / iterations : double.NaN);
        Console.WriteLine($"    {name}: {stage.CpuMs:F2} ms CPU, {stage.AllocatedKiB:N0} KiB per invocation");
        return stage;
    }

    /// <summary>An invocation body read as the trigger reads it (<see cref="IngestAuditEventsFunction"/>), from bytes.</summary>
    internal static async Task<InvocationBody> ReadBodyAsync(byte[] invocation, int memoryThreshold)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(invocation, writable: false);
        context.Request.ContentLength = invocation.Length;
        context.Request.ContentType = "application/json";
        return await InvocationBody.ReadAsync(context.Request, memoryThreshold, IngestAuditEventsFunction.BindingName, CancellationToken.None);
    }

    /// <summary>
    /// The two ways of reading an invocation, alternating one invocation at a time in this process, each call timed on the
    /// wall clock (single-threaded and synchronous, so its time is its CPU and any collection it waits for). The rows
    /// above measure each as a block of 200 after a full collection, and there the cut came out slower, the opposite of
    /// this order-free comparison in a separate process; both are reported so the difference stays visible.
    /// </summary>
    private static async Task ReadPathsAlternatingAsync(byte[] invocation, IngestOptions options, Results results, int pairs, int warmup)
    {
        var (cut, whole) = (new List<double>(), new List<double>());
        for (var i = 0; i < warmup + pairs; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var read = await ReadBodyAsync(invocation, options.InvocationMemoryBytes))
            {
                Unwrap(read, options);
            }
            var cutMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            ReadWholeAndUnwrap(invocation, options);
            var wholeMs = clock.Elapsed.TotalMilliseconds;
            if (i >= warmup)
            {
                cut.Add(cutMs);
                whole.Add(wholeMs);
            }
        }
        foreach (var (name, times) in new[] { ("with the cut: read the body, unwrap", cut), ("as before the cut: the whole body parsed, unwrap", whole) })
        {
            results.Add(new Measurement("Read paths, alternating per invocation", name, new()
            {
                ["wall ms median"] = Median(times),
                ["wall ms mean"] = times.Average(),
            }));
        }
        results.Add(new Measurement("Read paths, alternating per invocation", "with the cut ÷ as before: median, mean",
            new() { ["wall ms median"] = Median(cut) / Median(whole), ["wall ms mean"] = cut.Average() / whole.Average() }));
    }

    private static EventHubBatch ReadWholeAndUnwrap(byte[] invocation, IngestOptions options)
    {
        using var document = JsonDocument.Parse(invocation, EventHubInvocationReader.AnyDepth);
        JsonElement Property(string name) => document.RootElement.EnumerateObject().First(p => p.NameEquals(name)).Value;
        return EventHubInvocationReader.ReadParts(Property("Data"), Property("Metadata"), IngestAuditEventsFunction.BindingName, [], options.InvocationMemoryBytes,
            options.InvocationMemoryBytes, IngestAuditEventsFunction.BodyEncoding).Single();
    }

    /// <summary>The invocation's events as the trigger unwraps them, in one part.</summary>
    internal static EventHubBatch Unwrap(InvocationBody body, IngestOptions options, EventBodyEncoding encoding = IngestAuditEventsFunction.BodyEncoding) =>
        EventHubInvocationReader.ReadParts(body.Data, body.Metadata, IngestAuditEventsFunction.BindingName, [], options.InvocationMemoryBytes,
            options.InvocationMemoryBytes, encoding, body.EventsString).Single();

    private static List<AuditEvent> Split(ElementSplitter splitter, EventHubBatch batch)
    {
        var accepted = new List<AuditEvent>();
        var rejected = new List<RejectedInput>();
        foreach (var element in batch.Elements)
        {
            splitter.Split(element, accepted, rejected);
        }
        return accepted;
    }
}
