using ConnectorHealth.Runner.Payloads;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Runs;

namespace ConnectorHealth.UnitTests;

public class RunExecutorTests
{
    private static async Task<RunCompleted> RunOnce(IConnector connector, ConnectorOptions options, SimulatedTime time, RunEnvironment environment) =>
        await RunExecutor.ExecuteAsync(Guid.NewGuid(), "test", connector, options, RunSource.Scheduled, TimeSpan.FromSeconds(30), environment, CancellationToken.None);

    private static async Task<List<RunCompleted>> Runs(ConnectorOptions options, int count, int seed = 20260301)
    {
        var time = new SimulatedTime();
        var environment = time.Environment(seed);
        var connector = ConnectorCatalog.Create(options);
        var runs = new List<RunCompleted>(count);
        for (var i = 0; i < count; i++)
        {
            runs.Add(await RunOnce(connector, options, time, environment));
        }
        return runs;
    }

    [Fact]
    public async Task GoodApiSucceedsAtOnceWithTheFirstVersionsPayload()
    {
        var run = (await Runs(Catalog.Of(ConnectorKinds.GoodApi), 1))[0];

        Assert.Equal(RunStatus.Succeeded, run.Status);
        var attempt = Assert.Single(run.Attempts);
        Assert.Equal(AttemptOutcome.Succeeded, attempt.Outcome);
        Assert.Equal(200, attempt.HttpStatus);
        Assert.Equal("""{"user_id":123,"value":42,"version":1}""", run.Payload!.Value.GetRawText());
        Assert.False(run.RateLimited);
        Assert.Equal(0, run.LatencyMs);
        Assert.Equal(TimeSpan.FromSeconds(30), run.ExpectedInterval);
    }

    [Fact]
    public async Task RateLimitedApiOverTenThousandSeededRunsMatchesTheFirstVersionsDistribution()
    {
        var runs = await Runs(Catalog.RateLimitedApi(), 10_000);

        // Exact values: success 1 - 0.5^3 = 0.875, rate-limited 0.5, mean attempts 1 + 0.5 + 0.25 = 1.75.
        // Bounds are about four standard errors at n = 10,000.
        Assert.InRange(runs.Average(r => r.Status == RunStatus.Succeeded ? 1.0 : 0.0), 0.862, 0.888);
        Assert.InRange(runs.Average(r => r.RateLimited ? 1.0 : 0.0), 0.48, 0.52);
        Assert.InRange(runs.Average(r => r.Attempts.Count), 1.717, 1.783);
    }

    [Fact]
    public async Task RateLimitedApiWaits200MsAfterEach429AndFailsWithRateLimitErrorAfterThree()
    {
        var runs = await Runs(Catalog.RateLimitedApi(), 400);

        foreach (var run in runs)
        {
            var limited = run.Attempts.Where(a => a.Outcome == AttemptOutcome.RateLimited).ToList();
            Assert.All(limited, a => Assert.Equal(429, a.HttpStatus));
            Assert.All(limited.Where(a => a.Number < 3), a => Assert.Equal(TimeSpan.FromMilliseconds(200), a.BackoffApplied));
            Assert.Equal(200 * run.Attempts.Count(a => a.BackoffApplied is not null), run.LatencyMs);
            Assert.Equal(run.RateLimited, run.Attempts[0].Outcome == AttemptOutcome.RateLimited);
        }

        var failed = runs.Where(r => r.Status == RunStatus.Failed).ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, r =>
        {
            Assert.Equal(3, r.Attempts.Count);
            Assert.Equal(ErrorTypes.RateLimit, r.ErrorType);
            Assert.Null(r.Attempts[^1].BackoffApplied);
            Assert.Null(r.Payload);
        });
        Assert.All(runs.Where(r => r.Status == RunStatus.Succeeded), r =>
            Assert.Equal(r.Attempts.Count, r.Payload!.Value.GetProperty("attempt").GetInt32()));
    }

    [Fact]
    public async Task SchemaChangerAlternatesBetweenItsTwoVersionsHalfAndHalf()
    {
        var runs = await Runs(Catalog.Of(ConnectorKinds.SchemaChanger), 4_000);

        var v2 = runs.Count(r => r.Payload!.Value.TryGetProperty("currency", out _));
        Assert.InRange(v2 / 4000.0, 0.46, 0.54);
        Assert.All(runs.Where(r => !r.Payload!.Value.TryGetProperty("currency", out _)),
            r => Assert.True(r.Payload!.Value.TryGetProperty("value", out _)));
    }

    [Fact]
    public async Task FlakyApiRecoversFromTransientServerErrorsByRetrying()
    {
        var runs = await Runs(Catalog.Of(ConnectorKinds.FlakyApi), 2_000);

        var recovered = runs.Where(r => r.Status == RunStatus.Succeeded && r.Attempts.Count > 1).ToList();
        Assert.NotEmpty(recovered);
        Assert.All(recovered, r => Assert.All(r.Attempts.SkipLast(1), a =>
        {
            Assert.Equal(ErrorTypes.Server, a.ErrorType);
            Assert.Equal(503, a.HttpStatus);
            Assert.NotNull(a.BackoffApplied);
        }));
        // Three failures in a row: 0.3^3 = 2.7 %.
        Assert.InRange(runs.Count(r => r.Status == RunStatus.Failed) / 2000.0, 0.01, 0.05);
    }

    [Fact]
    public async Task ALatencySpikePastTheTimeoutIsATimedOutAttemptThatIsRetried()
    {
        var runs = await Runs(Catalog.Of(ConnectorKinds.SlowApi, timeout: TimeSpan.FromSeconds(1)), 500);

        var timedOut = runs.SelectMany(r => r.Attempts).Where(a => a.Outcome == AttemptOutcome.TimedOut).ToList();
        Assert.InRange(timedOut.Count, 20, 90);
        Assert.All(timedOut, a =>
        {
            Assert.Equal(ErrorTypes.Timeout, a.ErrorType);
            Assert.Equal(1000, a.DurationMs);
        });
        Assert.Contains(runs, r => r.Status == RunStatus.Succeeded && r.Attempts[0].Outcome == AttemptOutcome.TimedOut);
    }

    [Fact]
    public async Task AnAuthFailureIsNotRetried()
    {
        var run = (await Runs(Catalog.Of(ConnectorKinds.AuthFailingApi), 1))[0];

        Assert.Equal(RunStatus.Failed, run.Status);
        var attempt = Assert.Single(run.Attempts);
        Assert.Equal(ErrorTypes.Auth, attempt.ErrorType);
        Assert.Equal(401, attempt.HttpStatus);
        Assert.Null(attempt.BackoffApplied);
        Assert.Equal(ErrorTypes.Auth, run.ErrorType);
    }

    [Fact]
    public async Task NestedTypesAndNullingFieldConnectorsChangeTheirPayloads()
    {
        var nested = await Runs(Catalog.Of(ConnectorKinds.NestedTypesApi), 200);
        var kinds = nested.Select(r => r.Payload!.Value.GetProperty("order").GetProperty("total").ValueKind).Distinct().ToList();
        Assert.Equal(new HashSet<JsonValueKind> { JsonValueKind.Number, JsonValueKind.String }, kinds.ToHashSet());

        var nulling = await Runs(Catalog.Of(ConnectorKinds.NullingFieldApi), 200);
        var emails = nulling.Select(r => r.Payload!.Value.GetProperty("email").ValueKind).Distinct().ToList();
        Assert.Equal(new HashSet<JsonValueKind> { JsonValueKind.String, JsonValueKind.Null }, emails.ToHashSet());
    }

    [Fact]
    public async Task TheSameSeedGivesTheSameRuns()
    {
        var first = await Runs(Catalog.RateLimitedApi(), 200, seed: 7);
        var second = await Runs(Catalog.RateLimitedApi(), 200, seed: 7);
        var other = await Runs(Catalog.RateLimitedApi(), 200, seed: 8);

        Assert.Equal(first.Select(r => r.Attempts.Count), second.Select(r => r.Attempts.Count));
        Assert.NotEqual(first.Select(r => r.Attempts.Count), other.Select(r => r.Attempts.Count));
    }

    private sealed class ScriptedConnector(params Func<ConnectorContext, ConnectorResult>[] attempts) : IConnector
    {
        public Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken) =>
            Task.FromResult(attempts[context.Attempt - 1](context));
    }

    [Fact]
    public async Task RetryAfterFromTheSourceReplacesTheBackoffAndIsRecorded()
    {
        var time = new SimulatedTime();
        var connector = new ScriptedConnector(
            _ => throw new ConnectorException(ErrorTypes.RateLimit, "429", retryable: true, httpStatus: 429, retryAfter: TimeSpan.FromSeconds(7)),
            _ => new ConnectorResult(JsonSerializer.SerializeToElement(new { ok = true }), 200));

        var run = await RunOnce(connector, Catalog.Of("good_api"), time, time.Environment(1));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(TimeSpan.FromSeconds(7), run.Attempts[0].RetryAfterHonoured);
        Assert.Equal(TimeSpan.FromSeconds(7), run.Attempts[0].BackoffApplied);
        Assert.Equal(7000, run.LatencyMs);
        Assert.True(run.RateLimited);
    }

    [Fact]
    public async Task AnUnexpectedExceptionFailsTheRunWithoutRetryAndKeepsItsMessage()
    {
        var time = new SimulatedTime();
        var connector = new ScriptedConnector(_ => throw new InvalidOperationException("mapping table missing"));

        var run = await RunOnce(connector, Catalog.Of("good_api"), time, time.Environment(1));

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Single(run.Attempts);
        Assert.Equal(ErrorTypes.Unexpected, run.ErrorType);
        Assert.Contains("mapping table missing", run.ErrorMessage);
    }

    [Fact]
    public async Task AnOversizedPayloadIsSampledNotDropped()
    {
        var time = new SimulatedTime();
        var big = JsonSerializer.SerializeToElement(Enumerable.Range(0, 5_000).Select(i => new { id = i, name = $"row {i}" }));
        var connector = new ScriptedConnector(_ => new ConnectorResult(big, 200));

        var run = await RunOnce(connector, Catalog.Of("good_api"), time, time.Environment(1, payloadCapBytes: 4096));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.True(run.PayloadTruncated);
        Assert.Equal(PayloadSampler.SizeOf(big), run.PayloadBytes);
        Assert.True(PayloadSampler.SizeOf(run.Payload!.Value) <= 4096);
    }
}
