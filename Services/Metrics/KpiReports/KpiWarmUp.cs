using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Metrics.Apis;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnectorHealth.Metrics.KpiReports;

/// <summary>
/// Makes the first KPI answer after a start as fast as the ones after it: once the server listens, asks the service's own
/// endpoints what the web UI and API users ask first (the default ranges, a year of totals, the status board, the newest
/// runs and one run), so the code is compiled, the connection pool open and the closed days cached before
/// <c>/health</c> says the service is ready. It was 200–700 ms for a first answer against 5–60 ms warm.
/// </summary>
/// <remarks>
/// One attempt, within <see cref="Budget"/>: an answer that fails (the database away) is logged and the service still
/// becomes ready, since the database's own health check tells that outage. The requests go through the real pipeline
/// over loopback, marked with <see cref="WarmUpRequests.UserAgent"/> so they stay out of the traces.
/// </remarks>
public sealed partial class KpiWarmUp(IServer server, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<KpiWarmUp> logger)
    : BackgroundService, IHealthCheck
{
    public const string Name = "kpi-answers-warm";

    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private volatile string? _done;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_done is { } done
            ? HealthCheckResult.Healthy(done)
            : HealthCheckResult.Unhealthy("Warming the KPI answers (the first ones after a start)"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await WaitForStartAsync(stoppingToken);
            var clock = Stopwatch.StartNew();
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            budget.CancelAfter(Budget);
            var (answered, failed) = await WarmAsync(ServerAddress(), budget.Token);
            _done = $"KPI answers warm: {answered} asked in {clock.ElapsedMilliseconds} ms{(failed > 0 ? $", {failed} failed" : "")}";
            LogWarm(logger, answered, clock.ElapsedMilliseconds, failed);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            _done = $"KPI answers not warmed: {ex.GetType().Name}: {ex.Message}";
            LogNotWarmed(logger, ex);
        }
    }

    /// <summary>Asks each warm-up request of <paramref name="service"/>; returns how many answered with success and how many failed.</summary>
    public async Task<(int Answered, int Failed)> WarmAsync(Uri service, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = service };
        http.DefaultRequestHeaders.UserAgent.ParseAdd(WarmUpRequests.UserAgent);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var yearBack = today.AddDays(1 - KpisApi.MaxDays);

        List<string> paths =
        [
            "/api/kpis/daily",
            $"/api/kpis/daily?from={Day(today.AddDays(1 - DailyKpiReports.KeptDays))}&to={Day(today)}",
            $"/api/kpis/daily?from={Day(today.AddDays(-1))}&to={Day(today.AddDays(-1))}",
            "/api/kpis/daily/totals",
            $"/api/kpis/daily/totals?from={Day(yearBack)}&to={Day(today)}",
            "/api/kpis/failure-reasons",
            $"/api/kpis/failure-reasons?from={Day(yearBack)}&to={Day(today)}",
            "/api/kpis/connectors",
            "/api/runs?limit=50",
        ];
        int answered = 0, failed = 0;
        async Task<JsonElement?> GetAsync(string path)
        {
            using var response = await http.GetAsync(path, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                failed++;
                LogFailed(logger, path, (int)response.StatusCode);
                return null;
            }
            answered++;
            return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }

        foreach (var path in paths)
        {
            var answer = await GetAsync(path);
            // The newest page names a run and a connector: one run's detail and one connector's reports are asked too.
            if (path.StartsWith("/api/runs", StringComparison.Ordinal)
                && answer is { } page && page.TryGetProperty("items", out var items) && items.GetArrayLength() > 0
                && items[0].TryGetProperty("runId", out var runId) && items[0].TryGetProperty("connector", out var connector))
            {
                var name = Uri.EscapeDataString(connector.GetString() ?? "");
                await GetAsync($"/api/runs/{runId.GetString()}");
                await GetAsync($"/api/runs?connector={name}&status=failed&limit=50");
                await GetAsync($"/api/kpis/daily?connector={name}&from={Day(yearBack)}&to={Day(today)}");
                await GetAsync($"/api/kpis/failure-reasons?connector={name}&from={Day(yearBack)}&to={Day(today)}");
            }
        }
        return (answered, failed);
    }

    private async Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource();
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(cancellationToken);
    }

    // Where this process listens, as a loopback address (a wildcard host is dialled as localhost).
    private Uri ServerAddress()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http:", StringComparison.OrdinalIgnoreCase))
            ?? server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The server has no address to ask.");
        var uri = new UriBuilder(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
        {
            uri.Host = "localhost";
        }
        return uri.Uri;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "KPI answers warm: {Answered} asked in {Milliseconds} ms ({Failed} failed)")]
    private static partial void LogWarm(ILogger logger, int answered, long milliseconds, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warming {Path} answered {Status}")]
    private static partial void LogFailed(ILogger logger, string path, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The KPI answers were not warmed; the service is ready without")]
    private static partial void LogNotWarmed(ILogger logger, Exception exception);
}
