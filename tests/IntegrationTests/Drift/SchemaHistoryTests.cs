using System.Collections.Concurrent;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Detection;
using ConnectorHealth.Drift.PayloadContracts;
using ConnectorHealth.Drift.StoredHistory;
using ConnectorHealth.IntegrationTests.Infrastructure;

namespace ConnectorHealth.IntegrationTests.Drift;

/// <summary>The schema history on real PostgreSQL: versions, drift events, ordering, replicas, contracts.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SchemaHistoryTests(PostgresServer postgres)
{
    private const string V1 = """{"user_id": 123, "value": 42, "version": 1}""";
    private const string V2 = """{"user_id": 123, "amount": 42.0, "currency": "EUR", "version": 2}""";
    private const string V3 = """{"user_id": "123", "value": 42, "version": 3, "tags": ["a"]}""";
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TwoShapesFiftyFiftyGiveTwoVersionsAndOneOngoingOscillation()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        var processor = db.Processor();
        var random = new Random(7);
        var shapes = new List<string> { V1, V2, V1, V1, V2 };
        for (var i = shapes.Count; i < 40; i++)
        {
            shapes.Add(random.NextDouble() < 0.5 ? V1 : V2);
        }
        var published = new List<SchemaDriftDetected>();
        for (var i = 0; i < shapes.Count; i++)
        {
            var result = await processor.ProcessAsync([DriftDatabase.Run("schema_changer", Start.AddSeconds(30 * i), shapes[i])], CancellationToken.None);
            published.AddRange(result.ToPublish);
        }

        var schema = (await db.Store.GetSchemaAsync("schema_changer", CancellationToken.None))!;
        Assert.Equal([1, 2], schema.Versions.Select(v => v.Version));
        Assert.Equal(shapes.Count(s => s == V1), schema.Versions[0].RunCount);
        Assert.Equal(shapes.Count(s => s == V2), schema.Versions[1].RunCount);
        Assert.Equal(shapes[^1] == V1 ? 1 : 2, schema.CurrentVersion);

        var events = (await db.Store.ListEventsAsync("schema_changer", null, null, 500, null, CancellationToken.None)).Items.Reverse().ToList();
        var flips = Enumerable.Range(1, shapes.Count - 1).Count(i => shapes[i] != shapes[i - 1]);
        Assert.Equal(flips, events.Count);

        var first = events[0];
        Assert.Equal((1, 2, DriftKind.NewVersion, false), (first.FromVersion, first.ToVersion, first.Kind, first.Oscillating));
        Assert.Equal(
            [("$.amount", SchemaChangeKind.FieldAdded), ("$.currency", SchemaChangeKind.FieldAdded), ("$.value", SchemaChangeKind.FieldRemoved)],
            first.Changes.Select(c => (c.Path, c.Kind)));
        Assert.StartsWith("v1 → v2 (new schema", first.Summary, StringComparison.Ordinal);
        Assert.Contains("added $.amount, $.currency", first.Summary, StringComparison.Ordinal);
        Assert.Contains("removed $.value", first.Summary, StringComparison.Ordinal);

        var second = events[1];
        Assert.Equal((2, 1, DriftKind.Reverted, true), (second.FromVersion, second.ToVersion, second.Kind, second.Oscillating));
        Assert.StartsWith("v2 → v1 (reverted to v1, oscillating", second.Summary, StringComparison.Ordinal);
        Assert.All(events.Skip(1), e => Assert.Equal(DriftKind.Reverted, e.Kind));

        // Published: the new version, and the start of the oscillation; not every flip.
        Assert.Equal([(DriftKind.NewVersion, false), (DriftKind.Reverted, true)], published.Select(p => (p.Kind, p.Oscillating)));

        var oscillation = schema.Oscillation!;
        Assert.Equal([1, 2], oscillation.Between);
        Assert.Equal(flips, oscillation.Flips);
        Assert.Equal(events[0].FinishedAt, oscillation.Since);

        // The first version's view shows the current top-level keys.
        var view = await db.RowsAsync("SELECT connector_name, schema_keys FROM raw.connector_schema");
        var keys = shapes[^1] == V1 ? new[] { "user_id", "value", "version" } : ["amount", "currency", "user_id", "version"];
        Assert.Equal("schema_changer", view.Single()[0]);
        Assert.Equal(keys, (string[])view.Single()[1]!);
    }

    [Fact]
    public async Task ConcurrentReplicasWithReorderedAndDuplicatedDeliveriesLeaveExactlyTheHistoryOfTheRuns()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        var random = new Random(11);
        var shapes = new[] { V1, V2, V3 };
        var runs = new List<RunCompleted>();
        foreach (var connector in new[] { "alpha", "beta", "gamma" })
        {
            var shape = V1;
            for (var i = 0; i < 120; i++)
            {
                // Mostly steady, with changes and returns: a shape drawn afresh one run in six.
                if (i > 0 && random.Next(6) == 0)
                {
                    shape = shapes[random.Next(shapes.Length)];
                }
                // Some runs without a payload, and run 50 finishing at the same instant as run 49.
                var finishedAt = Start.AddMinutes(i == 50 ? 49 : i);
                runs.Add(DriftDatabase.Run(connector, finishedAt, i % 17 == 5 ? null : shape));
            }
        }

        // Every run twice, shuffled, in batches of 1–40, taken by two replicas in parallel.
        var deliveries = new ConcurrentQueue<RunCompleted[]>();
        var shuffled = runs.Concat(runs).OrderBy(_ => random.Next()).ToList();
        for (var i = 0; i < shuffled.Count;)
        {
            var size = Math.Min(random.Next(1, 41), shuffled.Count - i);
            deliveries.Enqueue(shuffled.GetRange(i, size).ToArray());
            i += size;
        }
        var published = new ConcurrentBag<SchemaDriftDetected>();
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            var replica = db.Processor();
            while (deliveries.TryDequeue(out var batch))
            {
                foreach (var message in (await replica.ProcessAsync(batch, CancellationToken.None)).ToPublish)
                {
                    published.Add(message);
                }
            }
        })));

        Assert.Equal(runs.Count, (await db.RowsAsync("SELECT count(*) FROM drift.runs"))[0][0] is long n ? (int)n : -1);
        var fingerprints = (await db.RowsAsync("SELECT connector, version, fingerprint, run_count, first_seen, last_seen FROM drift.schema_versions"))
            .ToDictionary(r => ((string)r[0]!, (int)r[1]!), r => r);
        var events = (await db.RowsAsync("SELECT connector, run_id, from_version, to_version FROM drift.drift_events"))
            .Select(r => ((string)r[0]!, (Guid)r[1]!, (string)fingerprints[((string)r[0]!, (int)r[2]!)][2]!, (string)fingerprints[((string)r[0]!, (int)r[3]!)][2]!))
            .ToHashSet();

        var expectedEvents = new HashSet<(string, Guid, string, string)>();
        foreach (var connector in runs.GroupBy(r => r.Connector))
        {
            var ordered = connector.Where(r => r.Payload is not null)
                .OrderBy(r => r.FinishedAt).ThenBy(r => r.RunId.ToString("N"), StringComparer.Ordinal).ToList();
            var byFingerprint = ordered.GroupBy(r => Fingerprint(r)).ToList();
            var versions = fingerprints.Where(f => f.Key.Item1 == connector.Key).Select(f => f.Value).ToList();
            Assert.Equal(byFingerprint.Count, versions.Count);
            foreach (var group in byFingerprint)
            {
                var version = versions.Single(v => (string)v[2]! == group.Key);
                Assert.Equal(group.Count(), (long)version[3]!);
                Assert.Equal(group.Min(r => r.FinishedAt).UtcDateTime, (DateTime)version[4]!);
                Assert.Equal(group.Max(r => r.FinishedAt).UtcDateTime, (DateTime)version[5]!);
            }
            for (var i = 1; i < ordered.Count; i++)
            {
                if (Fingerprint(ordered[i]) != Fingerprint(ordered[i - 1]))
                {
                    expectedEvents.Add((connector.Key, ordered[i].RunId, Fingerprint(ordered[i - 1]), Fingerprint(ordered[i])));
                }
            }
            var current = await db.RowsAsync("SELECT v.fingerprint FROM drift.connectors c JOIN drift.schema_versions v ON v.connector = c.connector AND v.version = c.current_version WHERE c.connector = $1", connector.Key);
            Assert.Equal(Fingerprint(ordered[^1]), (string)current.Single()[0]!);
        }
        Assert.True(expectedEvents.Count > 20, $"Only {expectedEvents.Count} changes in the test data.");
        Assert.Equal(expectedEvents.OrderBy(e => e.Item2), events.OrderBy(e => e.Item2));
        // Every published event is one that stands (or stood when it was published), and none twice.
        Assert.Equal(published.Count, published.Select(p => p.EventId).Distinct().Count());
    }

    [Fact]
    public async Task ARunArrivingLateIsPutInItsPlace()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        var processor = db.Processor();
        var first = DriftDatabase.Run("late", Start, V1);
        var third = DriftDatabase.Run("late", Start.AddMinutes(2), V1);
        var second = DriftDatabase.Run("late", Start.AddMinutes(1), V2);
        await processor.ProcessAsync([first, third], CancellationToken.None);
        Assert.Empty(await db.RowsAsync("SELECT * FROM drift.drift_events"));

        var result = await processor.ProcessAsync([second], CancellationToken.None);

        var events = await db.RowsAsync("SELECT run_id, from_version, to_version, kind FROM drift.drift_events ORDER BY finished_at");
        Assert.Equal(
            [[second.RunId, 1, 2, "new_version"], [third.RunId, 2, 1, "reverted"]],
            events.Select(e => e.ToArray()));
        // The new schema is news; the return to v1 at a run already known is history.
        Assert.Equal([DriftKind.NewVersion], result.ToPublish.Select(p => p.Kind));
        var schema = (await db.Store.GetSchemaAsync("late", CancellationToken.None))!;
        Assert.Equal(1, schema.CurrentVersion);
    }

    [Fact]
    public async Task RunsWithoutPayloadLeaveTheHistoryAlone()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        var processor = db.Processor();
        await processor.ProcessAsync([DriftDatabase.Run("quiet", Start, V1)], CancellationToken.None);
        var failed = DriftDatabase.Run("quiet", Start.AddMinutes(1), null);
        var result = await processor.ProcessAsync([failed], CancellationToken.None);

        Assert.Equal(1, result.WithoutPayload);
        Assert.Equal([["no_payload", null]], (await db.RowsAsync("SELECT outcome, version FROM drift.runs WHERE run_id = $1", failed.RunId)).Select(r => r.ToArray()));
        var schema = (await db.Store.GetSchemaAsync("quiet", CancellationToken.None))!;
        Assert.Equal(1, schema.Versions.Single().RunCount);
    }

    [Fact]
    public async Task ACutPayloadThatFitsTheCurrentSchemaCountsAsItsRunAndANewOneIsMarkedPartial()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        var processor = db.Processor();
        await processor.ProcessAsync([DriftDatabase.Run("cut", Start, """{"id":1,"items":[{"a":1,"b":"x"}],"note":"n"}""")], CancellationToken.None);

        // The runner cut it to fit: keys left out. Not a schema with fields removed.
        var fits = DriftDatabase.Run("cut", Start.AddMinutes(1), """{"id":2,"items":[{"a":1}]}""") with { PayloadTruncated = true };
        var result = await processor.ProcessAsync([fits], CancellationToken.None);
        Assert.Empty(result.ToPublish);
        var schema = (await db.Store.GetSchemaAsync("cut", CancellationToken.None))!;
        Assert.Equal(2, schema.Versions.Single().RunCount);

        // Cut, and with a field the current schema does not have: a new version, marked partial, saying why.
        var differs = DriftDatabase.Run("cut", Start.AddMinutes(2), """{"id":"3","extra":true}""") with { PayloadTruncated = true };
        var drift = (await processor.ProcessAsync([differs], CancellationToken.None)).ToPublish.Single();
        Assert.Equal((1, (int?)2), (drift.FromVersion, drift.ToVersion));
        var version = (await db.Store.GetVersionAsync("cut", 2, CancellationToken.None))!;
        Assert.True(version.Partial);
        Assert.Contains("payload-truncated", version.LimitsHit);
    }

    [Fact]
    public async Task EachVersionKeepsThePayloadThatFirstShowedItAndARunSaysWhichVersionItHad()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres, new ConnectorHealth.Drift.DriftOptions { VersionSampleChars = 40 });
        var processor = db.Processor();
        // Sent as is: key order, spacing and 42.0 stay as the source wrote them; the sample is that text.
        const string first = """{"b": 42.0, "a": "x"}""";
        var v1 = DriftDatabase.Run("sampled", Start, first);
        var again = DriftDatabase.Run("sampled", Start.AddMinutes(1), """{"a": "y", "b": 1.5}""");
        // Longer than the 40 characters kept, with the cut falling between an emoji's two UTF-16 halves: it is cut before it.
        var v2 = DriftDatabase.Run("sampled", Start.AddMinutes(2), """{"a": "x", "b": 1.5, "note": "abcdefghi😀😀😀"}""");
        var noPayload = DriftDatabase.Run("sampled", Start.AddMinutes(3), null);
        await processor.ProcessAsync([v1, again, v2, noPayload], CancellationToken.None);

        var version1 = (await db.Store.GetVersionAsync("sampled", 1, CancellationToken.None))!;
        Assert.Equal(new PayloadSample(v1.RunId, first, false), version1.Sample);
        var cut = (await db.Store.GetVersionAsync("sampled", 2, CancellationToken.None))!.Sample!;
        Assert.True(cut.Cut);
        Assert.Equal(v2.RunId, cut.RunId);
        Assert.Equal(39, cut.Json.Length);
        Assert.StartsWith(cut.Json, v2.Payload!.Value.GetRawText(), StringComparison.Ordinal);
        Assert.False(char.IsHighSurrogate(cut.Json[^1]));

        var firstRun = (await db.Store.GetRunAsync("sampled", v1.RunId, CancellationToken.None))!;
        Assert.Equal(("versioned", (int?)1, true), (firstRun.Outcome, firstRun.Version, firstRun.FirstOfVersion));
        var laterRun = (await db.Store.GetRunAsync("sampled", again.RunId, CancellationToken.None))!;
        Assert.Equal(("versioned", (int?)1, false, v1.RunId), (laterRun.Outcome, laterRun.Version, laterRun.FirstOfVersion, laterRun.Sample!.RunId));
        var failed = (await db.Store.GetRunAsync("sampled", noPayload.RunId, CancellationToken.None))!;
        Assert.Equal(("no_payload", (int?)null, (PayloadSample?)null), (failed.Outcome, failed.Version, failed.Sample));
        // Another connector's name does not reach this run.
        Assert.Null(await db.Store.GetRunAsync("other", v1.RunId, CancellationToken.None));
    }

    [Theory]
    [InlineData(CompatibilityMode.Backward, false)]
    [InlineData(CompatibilityMode.Forward, true)]
    [InlineData(CompatibilityMode.None, false)]
    public async Task AFieldTurningNullIsBreakingOnlyWhereTheConnectorsModeSaysSo(CompatibilityMode mode, bool breaking)
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        await db.Store.SetCompatibilityAsync("nulling", mode, CancellationToken.None);
        var processor = db.Processor();
        await processor.ProcessAsync([DriftDatabase.Run("nulling", Start, """{"user_id":1,"email":"a@b.c","score":0.8}""")], CancellationToken.None);
        var result = await processor.ProcessAsync([DriftDatabase.Run("nulling", Start.AddMinutes(1), """{"user_id":1,"email":null,"score":0.8}""")], CancellationToken.None);

        var drift = result.ToPublish.Single();
        Assert.Equal(mode, drift.Compatibility);
        Assert.Equal(breaking, drift.Breaking);
        var change = drift.Changes.Single();
        Assert.Equal(("$.email", SchemaChangeKind.BecameNullable), (change.Path, change.Kind));
    }

    [Fact]
    public async Task QuarantinedPayloadsStayOutOfTheHistoryUntilReplayedUnderAContractTheyMeet()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        var processor = db.Processor();
        await processor.ProcessAsync([DriftDatabase.Run("strict", Start, V1)], CancellationToken.None);
        var contract = JsonDocument.Parse("""
            {"type":"object","required":["user_id","value"],"properties":{"user_id":{"type":"integer"},"value":{"type":"integer"}}}
            """).RootElement;
        await db.Contracts.PutContractAsync("strict", ContractPolicy.Quarantine, contract, CancellationToken.None);

        var bad = DriftDatabase.Run("strict", Start.AddMinutes(1), V2);
        var result = await processor.ProcessAsync([bad], CancellationToken.None);

        Assert.Equal(1, result.Quarantined);
        var quarantined = result.ToPublish.Single();
        Assert.Equal((DriftKind.ContractViolation, DriftAction.Quarantined, 1, (int?)null), (quarantined.Kind, quarantined.Action, quarantined.FromVersion, quarantined.ToVersion));
        Assert.True(quarantined.Breaking);
        Assert.Contains(quarantined.ContractViolations, v => v.Contains("value", StringComparison.Ordinal));
        var held = (await db.Contracts.ListQuarantineAsync("strict", "held", 10, null, CancellationToken.None)).Items.Single();
        Assert.Equal(bad.RunId, held.RunId);
        Assert.Single((await db.Store.GetSchemaAsync("strict", CancellationToken.None))!.Versions);

        // Still breaks the contract: it stays held.
        var again = await processor.ReplayAsync(held.QuarantineId, CancellationToken.None);
        Assert.Equal(ReplayStatus.StillViolates, again.Status);
        Assert.NotEmpty(again.Violations);

        // The contract is fixed: the replay releases it as the run it was.
        var fixedContract = JsonDocument.Parse("""{"type":"object","required":["user_id"]}""").RootElement;
        await db.Contracts.PutContractAsync("strict", ContractPolicy.Quarantine, fixedContract, CancellationToken.None);
        var released = await processor.ReplayAsync(held.QuarantineId, CancellationToken.None);

        Assert.Equal((ReplayStatus.Released, (int?)2), (released.Status, released.Version));
        var drift = released.ToPublish.Single();
        Assert.Equal((DriftKind.NewVersion, 1, (int?)2, bad.RunId), (drift.Kind, drift.FromVersion, drift.ToVersion, drift.RunId));
        Assert.Equal("released", (await db.Contracts.GetQuarantinedAsync(held.QuarantineId, CancellationToken.None))!.Status);
        Assert.Equal(ReplayStatus.AlreadyReleased, (await processor.ReplayAsync(held.QuarantineId, CancellationToken.None)).Status);
        Assert.Equal([["versioned", 2]], (await db.RowsAsync("SELECT outcome, version FROM drift.runs WHERE run_id = $1", bad.RunId)).Select(r => r.ToArray()));
    }

    [Fact]
    public async Task UnderTheAlertPolicyABrokenContractIsReportedOncePerRevision()
    {
        await using var db = await DriftDatabase.CreateAsync(postgres);
        var processor = db.Processor();
        var contract = JsonDocument.Parse("""{"type":"object","properties":{"user_id":{"type":"string"}}}""").RootElement;
        await db.Contracts.PutContractAsync("lenient", ContractPolicy.Alert, contract, CancellationToken.None);

        var published = new List<SchemaDriftDetected>();
        for (var i = 0; i < 5; i++)
        {
            published.AddRange((await processor.ProcessAsync([DriftDatabase.Run("lenient", Start.AddMinutes(i), V1)], CancellationToken.None)).ToPublish);
        }

        var violation = published.Single();
        Assert.Equal((DriftKind.ContractViolation, DriftAction.Alerted), (violation.Kind, violation.Action));
        Assert.Contains(violation.ContractViolations, v => v.StartsWith("/user_id", StringComparison.Ordinal));
        // Recorded as a version all the same.
        Assert.Equal(5, (await db.Store.GetSchemaAsync("lenient", CancellationToken.None))!.Versions.Single().RunCount);

        // Putting the same contract again is no new revision (identical PUTs act as one); a changed one is.
        await db.Contracts.PutContractAsync("lenient", ContractPolicy.Alert, contract, CancellationToken.None);
        var afterSame = await processor.ProcessAsync([DriftDatabase.Run("lenient", Start.AddMinutes(8), V1)], CancellationToken.None);
        Assert.Empty(afterSame.ToPublish);
        var revised = JsonDocument.Parse("""{"type":"object","properties":{"user_id":{"type":"string","minLength":1}}}""").RootElement;
        await db.Contracts.PutContractAsync("lenient", ContractPolicy.Alert, revised, CancellationToken.None);
        var afterRevision = await processor.ProcessAsync([DriftDatabase.Run("lenient", Start.AddMinutes(9), V1)], CancellationToken.None);
        Assert.Single(afterRevision.ToPublish);
    }

    private static string Fingerprint(RunCompleted run) =>
        new ConnectorHealth.Drift.Schemas.SchemaInferrer(new ConnectorHealth.Drift.Schemas.InferenceLimits()).Infer(run.Payload!.Value, false).Fingerprint;
}
