using ConnectorHealth.Runner.Payloads;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Runs;

namespace ConnectorHealth.IntegrationTests.Runner;

/// <summary>The HTTP connector against a real HTTP server, with real time and the runner's retry policy.</summary>
public sealed class HttpConnectorTests(LocalHttpServer server) : IClassFixture<LocalHttpServer>
{
    private static readonly HttpClient Http = new();

    private async Task<RunCompleted> RunAsync(string path, TimeSpan? timeout = null, RetryOptions? retry = null, Action<HttpConnectorOptions>? configure = null)
    {
        var http = new HttpConnectorOptions { Url = new Uri(server.BaseAddress, path).ToString() };
        configure?.Invoke(http);
        var options = new ConnectorOptions
        {
            Kind = ConnectorKinds.Http,
            Interval = TimeSpan.FromMinutes(1),
            Timeout = timeout ?? TimeSpan.FromSeconds(5),
            Retry = retry ?? new RetryOptions { MaxAttempts = 3, InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromSeconds(5) },
            Http = http,
        };
        var environment = new RunEnvironment(new Random(1), (d, ct) => Task.Delay(d, ct), TimeProvider.System, new PayloadLimits());
        return await RunExecutor.ExecuteAsync(Guid.NewGuid(), "http_test", new HttpConnector(Http, http), options,
            RunSource.Triggered, TimeSpan.FromMinutes(1), environment, CancellationToken.None);
    }

    private static string Key() => $"?key={Guid.NewGuid():N}";

    [Fact]
    public async Task A200WithJsonIsASucceededRunWithThatPayload()
    {
        var run = await RunAsync("/ok");

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(200, Assert.Single(run.Attempts).HttpStatus);
        Assert.Equal(42, run.Payload!.Value.GetProperty("value").GetInt32());
    }

    [Fact]
    public async Task A429WithRetryAfterInSecondsIsWaitedOutThenRetried()
    {
        var run = await RunAsync("/limited-seconds" + Key());

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(2, run.Attempts.Count);
        var limited = run.Attempts[0];
        Assert.Equal(AttemptOutcome.RateLimited, limited.Outcome);
        Assert.Equal(429, limited.HttpStatus);
        Assert.Equal(ErrorTypes.RateLimit, limited.ErrorType);
        Assert.Equal(TimeSpan.FromSeconds(1), limited.RetryAfterHonoured);
        // Timers may fire a hair early against the wall clock.
        Assert.True(run.Attempts[1].StartedAt - limited.StartedAt >= TimeSpan.FromSeconds(0.95));
        Assert.True(run.RateLimited);
    }

    [Fact]
    public async Task A429WithRetryAfterAsAnHttpDateIsHonouredToo()
    {
        var run = await RunAsync("/limited-date" + Key());

        Assert.Equal(RunStatus.Succeeded, run.Status);
        var honoured = run.Attempts[0].RetryAfterHonoured;
        Assert.NotNull(honoured);
        // The header has one-second resolution.
        Assert.InRange(honoured.Value.TotalSeconds, 0.5, 2.5);
    }

    [Fact]
    public async Task ARetryAfterBeyondTheCapWaitsOnlyTheCap()
    {
        var retry = new RetryOptions { MaxAttempts = 2, InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(300) };

        var run = await RunAsync("/limited-long", retry: retry);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(ErrorTypes.RateLimit, run.ErrorType);
        Assert.Equal(TimeSpan.FromMilliseconds(300), run.Attempts[0].RetryAfterHonoured);
        Assert.InRange(run.LatencyMs, 300, 5_000);
    }

    [Fact]
    public async Task A500ThenA200RecoversOnTheSecondAttempt()
    {
        var run = await RunAsync("/flaky" + Key());

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal([500, 200], run.Attempts.Select(a => a.HttpStatus));
        Assert.Equal(ErrorTypes.Server, run.Attempts[0].ErrorType);
        Assert.NotNull(run.Attempts[0].BackoffApplied);
    }

    [Fact]
    public async Task ASlowAnswerTimesOutEachAttempt()
    {
        var retry = new RetryOptions { MaxAttempts = 2, InitialDelay = TimeSpan.FromMilliseconds(50) };

        var run = await RunAsync("/slow", timeout: TimeSpan.FromMilliseconds(500), retry: retry);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(ErrorTypes.Timeout, run.ErrorType);
        Assert.Equal(2, run.Attempts.Count);
        Assert.All(run.Attempts, a =>
        {
            Assert.Equal(AttemptOutcome.TimedOut, a.Outcome);
            Assert.InRange(a.DurationMs, 450, 3_000);
        });
    }

    [Fact]
    public async Task ABodyThatIsNotJsonFailsWithoutRetry()
    {
        var run = await RunAsync("/not-json");

        Assert.Equal(RunStatus.Failed, run.Status);
        var attempt = Assert.Single(run.Attempts);
        Assert.Equal(ErrorTypes.InvalidJson, attempt.ErrorType);
        Assert.Equal(200, attempt.HttpStatus);
    }

    [Fact]
    public async Task A404IsAClientErrorThatIsNotRetried()
    {
        var run = await RunAsync("/no-such-path");

        Assert.Equal(ErrorTypes.Client, Assert.Single(run.Attempts).ErrorType);
        Assert.Equal(404, run.Attempts[0].HttpStatus);
    }

    [Fact]
    public async Task TheSecretHeaderIsSentAndAMissingOneIsAnAuthError()
    {
        var authorised = await RunAsync("/secret", configure: h => { h.SecretHeader = "X-Api-Key"; h.SecretValue = "s3cret"; });
        var refused = await RunAsync("/secret");

        Assert.Equal(RunStatus.Succeeded, authorised.Status);
        Assert.Equal(ErrorTypes.Auth, Assert.Single(refused.Attempts).ErrorType);
        Assert.DoesNotContain("s3cret", refused.ErrorMessage);
    }

    [Fact]
    public async Task NobodyListeningIsAConnectionErrorWorthRetrying()
    {
        var port = Infrastructure.TestPorts.Free();
        var options = new HttpConnectorOptions { Url = $"http://127.0.0.1:{port}/ok" };
        var retry = new RetryOptions { MaxAttempts = 2, InitialDelay = TimeSpan.FromMilliseconds(10) };
        var environment = new RunEnvironment(new Random(1), (d, ct) => Task.Delay(d, ct), TimeProvider.System, new PayloadLimits { MaxBytes = 1024 });

        var run = await RunExecutor.ExecuteAsync(Guid.NewGuid(), "closed", new HttpConnector(Http, options),
            new ConnectorOptions { Kind = ConnectorKinds.Http, Interval = TimeSpan.FromMinutes(1), Retry = retry, Http = options },
            RunSource.Triggered, TimeSpan.FromMinutes(1), environment, CancellationToken.None);

        Assert.Equal(2, run.Attempts.Count);
        Assert.All(run.Attempts, a => Assert.Equal(ErrorTypes.Connection, a.ErrorType));
    }
}
