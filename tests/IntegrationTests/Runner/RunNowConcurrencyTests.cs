using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Runner;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHealth.IntegrationTests.Runner;

/// <summary>
/// Sixteen run-now calls at once, spread over two replicas of the real Runner service (real PostgreSQL and RabbitMQ),
/// start one run: one call gets 202 with its id, the others 409 naming that run, the connector's API is called once and
/// one RunCompleted is published.
/// </summary>
[Collection(BrokerAndDatabaseCollection.Name)]
public sealed class RunNowConcurrencyTests(RabbitMQServer rabbit, PostgresServer postgres) : IAsyncLifetime
{
    private const string Connector = "gated_api";
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PublishedRuns _published = new();
    private int _calls;
    private WebApplication _api = null!;
    private ServiceHost<RunnerOptions> _first = null!;
    private ServiceHost<RunnerOptions> _second = null!;

    public async Task InitializeAsync()
    {
        // The connector's API answers only when the test says so: the run stays under way while the calls arrive.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _api = builder.Build();
        _api.MapGet("/gated", async () =>
        {
            Interlocked.Increment(ref _calls);
            await _release.Task;
            return Results.Json(new { ok = true });
        });
        await _api.StartAsync();
        var database = await postgres.CreateDatabaseConnectionStringAsync("runner_run_now");
        _first = RunnerReplica(database, rabbit.Uri, $"{_api.Urls.First()}/gated");
        _first.Services.GetRequiredService<IBus>().ConnectPublishObserver(_published);
        _second = RunnerReplica(database, rabbit.Uri, $"{_api.Urls.First()}/gated");
        _second.Services.GetRequiredService<IBus>().ConnectPublishObserver(_published);
    }

    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task SixteenRunNowCallsAtOnceOnTwoReplicasStartOneRunAndTheOthersAreToldWhichRunIsUnderWay()
    {
        using var first = _first.CreateClient();
        using var second = _second.CreateClient();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, 16).Select(async i =>
        {
            await start.Task;
            using var response = await (i % 2 == 0 ? first : second).PostAsync($"/api/connectors/{Connector}/runs", null);
            return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, Body: await response.Content.ReadFromJsonAsync<JsonElement>());
        }).ToList();
        start.SetResult();
        var answers = await Task.WhenAll(calls);

        var accepted = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Accepted);
        var runId = accepted.Body.GetProperty("runId").GetGuid();
        var refused = answers.Where(a => a.StatusCode != HttpStatusCode.Accepted).ToList();
        Assert.Equal(15, refused.Count);
        Assert.All(refused, a =>
        {
            Assert.Equal(HttpStatusCode.Conflict, a.StatusCode);
            Assert.Equal("application/problem+json", a.MediaType);
            Assert.Equal(runId, a.Body.GetProperty("runId").GetGuid());
            Assert.Equal($"/api/runs/{runId}", a.Body.GetProperty("run").GetString());
        });

        // The run is held at the connector's API while the calls are answered; it is released once it got there.
        await Poll.UntilAsync(() => Volatile.Read(ref _calls) >= 1, "the run calling the connector's API");
        _release.SetResult();
        await Poll.UntilAsync(() => _published.Count(runId) == 1, "the run published");
        // Once the run is over, run-now starts the next one: a later run is the mark that nothing else was pending.
        string? next = null;
        await Poll.UntilAsync(async () =>
        {
            using var again = await second.PostAsync($"/api/connectors/{Connector}/runs", null);
            next = again.StatusCode == HttpStatusCode.Accepted ? (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString() : null;
            return next is not null;
        }, "a second run accepted once the first is over");
        await Poll.UntilAsync(() => _published.Count(Guid.Parse(next!)) == 1, "the second run published");
        Assert.Equal(2, _published.Of(Connector).Count);
        Assert.Equal(2, Volatile.Read(ref _calls));
    }

    /// <summary>The Runner service's real Program on the test broker and database, with the gated connector only run on demand.</summary>
    private static ServiceHost<RunnerOptions> RunnerReplica(string database, Uri broker, string url) => new(database, broker,
        ($"Runner:Connectors:{Connector}:Kind", "http"),
        ($"Runner:Connectors:{Connector}:Interval", "1.00:00:00"),
        ($"Runner:Connectors:{Connector}:Enabled", "false"),
        ($"Runner:Connectors:{Connector}:Timeout", "00:01:00"),
        ($"Runner:Connectors:{Connector}:Retry:MaxAttempts", "1"),
        ($"Runner:Connectors:{Connector}:Http:Url", url));
}
