using ConnectorHealth.Alerting;
using System.Text.Json;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift;
using ConnectorHealth.IntegrationTests.Alerting;
using ConnectorHealth.IntegrationTests.Drift;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Runner;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Payloads;
using ConnectorHealth.Runner.Runs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace ConnectorHealth.IntegrationTests.Noise;

/// <summary>
/// How much the default catalog, left alone, tells people in a day: the runner's own connectors and settings run for 24
/// simulated hours (a time provider, not a clock), each run goes through drift detection and the alert engine as the
/// services do it, and every notification queued for a channel is counted. Each must be a real, distinct condition.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DefaultCatalogDayTests(PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static readonly TimeSpan Tick = TimeSpan.FromMinutes(1);

    // Connectors that misbehave by design; good_api must never be the subject of a notification.
    private static readonly string[] WellBehaved = ["good_api"];

    // The stated figures (README, "Less noise"): the conditions raised in a day, and every message including the
    // reminders (every RepeatInterval, 4 h) of the alerts nobody acknowledged.
    private const int MaxConditionsPerDay = 8;
    private const int MaxNotificationsPerDay = 40;

    [Fact]
    public async Task TheDefaultCatalogLeftAloneForADayNotifiesOnlyRealDistinctConditions()
    {
        var runner = Section<RunnerOptions>("Runner", "Services", "Runner", "appsettings.json");
        var alerting = Section<AlertingOptions>("Alerting", "Services", "Alerting", "appsettings.json");
        alerting.Channels["ops"] = new ChannelOptions { Url = "http://127.0.0.1:9/unused" };
        await using var drift = await DriftDatabase.CreateAsync(postgres, Section<DriftOptions>("Drift", "Services", "Drift", "appsettings.json"));
        await using var alerts = await AlertingDatabase.CreateAsync(postgres, alerting);
        var clock = new FakeTimeProvider(alerts.Time.GetUtcNow());
        var processor = drift.Processor();
        var engine = alerts.Engine();
        var groups = alerts.Groups();

        var connectors = runner.Connectors.Where(c => c.Value.Enabled).OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select((c, i) => new Simulated(c.Key, c.Value, ConnectorSchedule.For(c.Value), new Random(1000 + i)))
            .ToList();
        foreach (var connector in connectors)
        {
            connector.Due = connector.Schedule.First(clock.GetUtcNow());
        }
        var start = clock.GetUtcNow();
        var runs = 0;
        for (var minute = start + Tick; minute <= start + Day; minute += Tick)
        {
            var batch = new List<RunCompleted>();
            foreach (var connector in connectors.Where(c => c.Due < minute).OrderBy(c => c.Due))
            {
                while (connector.Due < minute)
                {
                    if (connector.Due > clock.GetUtcNow())
                    {
                        clock.SetUtcNow(connector.Due);
                    }
                    var run = await RunAsync(connector, clock, runner.Payload);
                    batch.Add(run);
                    connector.Due = connector.Schedule.Next(connector.Due, clock.GetUtcNow());
                }
            }
            if (minute > clock.GetUtcNow())
            {
                clock.SetUtcNow(minute);
            }
            Follow(drift.Time, clock);
            Follow(alerts.Time, clock);
            runs += batch.Count;
            var detected = await processor.ProcessAsync(batch, CancellationToken.None);
            await engine.ProcessRunsAsync(batch, CancellationToken.None);
            await engine.ProcessDriftAsync(detected.ToPublish, CancellationToken.None);
            await engine.EvaluateAllAsync(CancellationToken.None);
            while (await groups.FlushDueAsync(CancellationToken.None) > 0)
            {
            }
        }

        var sent = (await alerts.RowsAsync(
                "SELECT n.kind, n.body::text FROM alerting.notifications n WHERE n.status <> 'held' AND n.body IS NOT NULL ORDER BY n.notification_id"))
            .Select(row => (Kind: (string)row[0]!, Alerts: JsonDocument.Parse((string)row[1]!).RootElement.GetProperty("alerts").EnumerateArray()
                .Select(a => (Id: a.GetProperty("alertId").GetInt64(), Connector: a.GetProperty("connector").GetString()!,
                    Rule: a.GetProperty("rule").GetString()!, Severity: a.GetProperty("severity").GetString()!, State: a.GetProperty("state").GetString()!))
                .ToList()))
            .ToList();
        var fingerprints = (await alerts.RowsAsync("SELECT alert_id, fingerprint, message FROM alerting.alerts"))
            .ToDictionary(row => (long)row[0]!, row => (Fingerprint: (string)row[1]!, Message: (string)row[2]!));
        var held = await alerts.RowsAsync("SELECT count(*) FROM alerting.notifications WHERE status = 'held'");
        var byKind = sent.GroupBy(n => n.Kind).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"{runs} runs of {connectors.Count} connectors in a simulated day: {sent.Count} notifications "
            + $"({string.Join(", ", byKind.OrderBy(k => k.Key).Select(k => $"{k.Value} {k.Key}"))}), {(long)held.Single()[0]!} held");
        foreach (var (kind, listed) in sent)
        {
            output.WriteLine($"  {kind}: {string.Join("; ", listed.Select(a => $"{a.Severity} {a.Rule} · {a.Connector} ({a.State}, alert {a.Id}: {fingerprints[a.Id].Message})"))}");
        }

        Assert.True(runs > 10_000, $"{runs} runs");
        // Nothing about a connector that behaves.
        Assert.DoesNotContain(sent.SelectMany(n => n.Alerts), a => WellBehaved.Contains(a.Connector));
        // Each condition raised is told once when it starts: an alert is in one firing message, and no condition comes
        // back as a new alert within the day (no flapping slips through).
        var raised = sent.Where(n => n.Kind == NotificationKinds.Firing).SelectMany(n => n.Alerts.Where(a => a.State == "firing")).ToList();
        Assert.Equal(raised.Count, raised.Select(a => a.Id).Distinct().Count());
        Assert.Equal(raised.Count, raised.Select(a => fingerprints[a.Id].Fingerprint).Distinct().Count());
        Assert.True(raised.Count <= MaxConditionsPerDay, $"{raised.Count} conditions raised in a day");
        Assert.True(sent.Count <= MaxNotificationsPerDay, $"{sent.Count} notifications in a day");
    }

    private static async Task<RunCompleted> RunAsync(Simulated connector, FakeTimeProvider clock, PayloadLimits limits)
    {
        // Waiting moves simulated time on; a run that outlives its timeout sees it cancelled, as a real one would.
        var environment = new RunEnvironment(connector.Random, (delay, cancellationToken) =>
        {
            clock.Advance(delay);
            cancellationToken.ThrowIfCancellationRequested();
            return Task.CompletedTask;
        }, clock, limits);
        return await RunExecutor.ExecuteAsync(Guid.CreateVersion7(), connector.Name, ConnectorCatalog.Create(connector.Options), connector.Options,
            RunSource.Scheduled, connector.Schedule.ExpectedInterval(clock.GetUtcNow()), environment, CancellationToken.None);
    }

    private static void Follow(FakeTimeProvider follower, FakeTimeProvider leader)
    {
        if (leader.GetUtcNow() > follower.GetUtcNow())
        {
            follower.SetUtcNow(leader.GetUtcNow());
        }
    }

    private static T Section<T>(string section, params string[] file) where T : new()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(RepositoryFiles.PathOf(file)).Build();
        return configuration.GetSection(section).Get<T>() ?? new T();
    }

    private sealed class Simulated(string name, ConnectorOptions options, ConnectorSchedule schedule, Random random)
    {
        public string Name { get; } = name;
        public ConnectorOptions Options { get; } = options;
        public ConnectorSchedule Schedule { get; } = schedule;
        public Random Random { get; } = random;
        public DateTimeOffset Due { get; set; }
    }
}
