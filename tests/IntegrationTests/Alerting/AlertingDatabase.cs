using System.Text.Json;
using ConnectorHealth.Alerting;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Evaluation;
using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Alerting.Receivers;
using ConnectorHealth.Alerting.Routes;
using ConnectorHealth.Alerting.Silences;
using ConnectorHealth.Contracts;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>A fresh database with the Alerting schema migrated as the service does it, and the service's parts on it.</summary>
public sealed class AlertingDatabase : IAsyncDisposable
{
    private AlertingDatabase(NpgsqlDataSource dataSource, AlertingOptions options)
    {
        DataSource = dataSource;
        Options = new FixedOptions(options);
        Store = new AlertStore(dataSource, Time);
    }

    public NpgsqlDataSource DataSource { get; }

    public FixedOptions Options { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));

    public AlertStore Store { get; }

    public static async Task<AlertingDatabase> CreateAsync(PostgresServer postgres, AlertingOptions? options = null)
    {
        var dataSource = await postgres.CreateDatabaseAsync("alerting");
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance, "alerting", typeof(AlertEngine).Assembly)
            .StartAsync(CancellationToken.None);
        dataSource.Clear();
        return new AlertingDatabase(dataSource, options ?? new AlertingOptions());
    }

    public SilenceStore Silences => new(DataSource, Time);

    /// <summary>An engine as one replica of the service has it.</summary>
    public AlertEngine Engine()
    {
        var notifications = new NotificationQueue(Routes);
        return new AlertEngine(DataSource, Options, Time, new RunLedger(DataSource, Options),
            new AlertWriter(Options, notifications, NullLogger<AlertWriter>.Instance), Groups());
    }

    public RouteTrees Routes => new(Options);

    /// <summary>The groups' messages, as the dispatcher queues them.</summary>
    public GroupFlusher Groups() => new(DataSource, Routes, Options, Time);

    public Dispatch Delivery(IHttpClientFactory http) =>
        new(Groups(), new NotificationDelivery(DataSource, Senders(http), Options, Time, NullLogger<NotificationDelivery>.Instance));

    /// <summary>Every receiver format's sender, as the service registers them.</summary>
    public static ReceiverSenders Senders(IHttpClientFactory http) =>
        new([new GenericWebhookSender(http), new SlackSender(http), new PagerDutySender(http), new TeamsSender(http), new EmailSender()]);

    /// <summary>What the dispatcher does in a round: queues the groups' messages that are due, then delivers what is due.</summary>
    public sealed class Dispatch(GroupFlusher groups, NotificationDelivery delivery)
    {
        /// <returns>How many notifications were attempted.</returns>
        public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
        {
            await groups.FlushDueAsync(cancellationToken);
            return await delivery.DeliverDueAsync(cancellationToken);
        }

        public Task<DeliveryOutcome> TestAsync(string channel, CancellationToken cancellationToken) => delivery.TestAsync(channel, cancellationToken);
    }

    public RunCompleted Run(string connector, bool succeeded, TimeSpan? ago = null, double latencyMs = 100, bool rateLimited = false,
        string? errorType = null, TimeSpan? interval = null) => new()
    {
        RunId = Guid.CreateVersion7(),
        Connector = connector,
        Source = RunSource.Scheduled,
        StartedAt = Time.GetUtcNow() - (ago ?? TimeSpan.Zero) - TimeSpan.FromMilliseconds(latencyMs),
        FinishedAt = Time.GetUtcNow() - (ago ?? TimeSpan.Zero),
        Status = succeeded ? RunStatus.Succeeded : RunStatus.Failed,
        LatencyMs = latencyMs,
        RateLimited = rateLimited,
        ErrorType = succeeded ? null : errorType ?? "server",
        ErrorMessage = succeeded ? null : "503 Service Unavailable",
        ExpectedInterval = interval,
        Payload = JsonDocument.Parse("{}").RootElement,
    };

    public Task<List<object?[]>> RowsAsync(string sql, params object[] parameters) => DatabaseRows.ReadAsync(DataSource, sql, parameters);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    /// <summary>Options that change only when a test changes them.</summary>
    public sealed class FixedOptions(AlertingOptions value) : IOptionsMonitor<AlertingOptions>
    {
        public AlertingOptions CurrentValue { get; } = value;

        public AlertingOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<AlertingOptions, string?> listener) => null;
    }
}
