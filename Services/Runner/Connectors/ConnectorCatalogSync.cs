using ConnectorHealth.Runner.Runs;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>
/// Keeps this replica's <see cref="ConnectorCatalog"/> in step with <c>runner.connectors</c>. At start it seeds the table
/// from the configured catalog (configuration wins for the connectors it names) and reads it whole before the API
/// answers or anything is scheduled; then it compares revisions every <c>Runner:CatalogRefresh</c> and reads again only
/// what changed, so a connector created, changed, paused or deleted on any replica reaches every replica.
/// </summary>
public sealed partial class ConnectorCatalogSync(
    ConnectorCatalog catalog,
    ConnectorStore store,
    ConnectorStateStore state,
    IOptions<RunnerOptions> options,
    TimeProvider time,
    ILogger<ConnectorCatalogSync> logger) : PeriodicWork(time, logger)
{
    protected override TimeSpan Interval => options.Value.CatalogRefresh;

    // Runs that finished since the last round (less a margin for replicas whose clocks differ a little) are read again.
    private static readonly TimeSpan ClockMargin = TimeSpan.FromMinutes(1);
    private DateTimeOffset? _lastRunsSince;
    private long _lastRefreshTicks;

    /// <summary>When the catalog was last read whole from the database: what <c>/health</c> judges its freshness by.</summary>
    public DateTimeOffset? LastRefreshedAt =>
        Interlocked.Read(ref _lastRefreshTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The database being away at start is waited out, as the schema migration before this waits it out.
        await Retries.WhileTransient("Seeding the connector catalog", Logger, Time).ExecuteAsync(async ct =>
        {
            var written = await store.SeedAsync(options.Value.Connectors, ct);
            if (written > 0)
            {
                LogSeeded(Logger, written);
            }
            await RefreshAsync(ct);
        }, cancellationToken);
        catalog.MarkLoaded();
        await base.StartAsync(cancellationToken);
    }

    protected override async Task<bool> RunRoundAsync(CancellationToken stoppingToken)
    {
        await RefreshAsync(stoppingToken);
        return false;
    }

    /// <summary>
    /// Reads again the connectors whose revision differs from the one held, drops those deleted, and takes in what other
    /// replicas did: the runs they finished and the runs they have under way.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var started = Time.GetUtcNow();
        var revisions = await store.LoadRevisionsAsync(cancellationToken);
        var changed = revisions.Where(r => catalog.Find(r.Key)?.Revision != r.Value).Select(r => r.Key).ToList();
        foreach (var chunk in changed.Chunk(1_000))
        {
            foreach (var stored in await store.LoadAsync(chunk, cancellationToken))
            {
                catalog.Apply(stored);
            }
        }
        foreach (var entry in catalog.Entries.Where(e => !revisions.ContainsKey(e.Name)).ToList())
        {
            catalog.Remove(entry.Name);
        }

        foreach (var (name, last) in await state.LoadLastRunsAsync(cancellationToken, _lastRunsSince))
        {
            if (catalog.Find(name) is { } entry && (entry.LastRun is null || entry.LastRun.StartedAt < last.StartedAt))
            {
                entry.LastRun = last;
            }
        }
        _lastRunsSince = started - ClockMargin;
        var running = await state.LoadRunningAsync(cancellationToken);
        foreach (var entry in catalog.Entries)
        {
            entry.RunningElsewhere = running.Contains(entry.Name);
        }
        Interlocked.Exchange(ref _lastRefreshTicks, started.UtcTicks);
    }

    /// <summary>Reads one connector again (after this replica changed it), so the change shows here at once.</summary>
    public async Task RefreshAsync(string name, CancellationToken cancellationToken)
    {
        if ((await store.LoadAsync([name], cancellationToken)).SingleOrDefault() is { } stored)
        {
            catalog.Apply(stored);
        }
        else
        {
            catalog.Remove(name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded {Count} connectors from configuration")]
    private static partial void LogSeeded(ILogger logger, int count);
}
