using ConnectorHealth.ServiceDefaults;
using Medallion.Threading;
using Medallion.Threading.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ConnectorHealth.Runner.Runs;

/// <summary>
/// A PostgreSQL advisory lock per connector (DistributedLock.Postgres), held by the replica running one of its
/// scheduled slots for the length of the run. PostgreSQL lets go of it when the holder's connection ends, so a slot
/// found under way whose lock is free belongs to a replica that stopped: it is run again, late and once.
/// </summary>
/// <remarks>
/// <para>
/// Each lock has a connection of its own (a run under way holds one), not the library's multiplexing: a lock watched
/// for loss keeps a query running on its connection (below), and on a shared connection every other lock taken or let
/// go there waited for that query to be cancelled — measured with 20 locks held, taking another lock took up to 0.9 s
/// and once 5 s (a cancellation unanswered), against at most 34 ms on connections of their own; on the schedule, a
/// slot started that much late. A replica that vanishes without closing its connections (a machine lost, not a process
/// stopped) would hold them until the server noticed; the lock connections therefore ask the server to end them after
/// <c>Runner:FailoverAfter</c> idle (<c>idle_session_timeout</c>), and stay busy with a keepalive three times as often
/// while their replica lives (and leave the pool before the server ends them).
/// </para>
/// <para>
/// A connection whose lock is watched for loss is not idle: the library keeps a <c>pg_sleep(60)</c> running on it and
/// cancels it to use the connection. A server backend busy with a query does not see its client go (a replica killed,
/// or Npgsql breaking the connection when a cancellation goes unanswered for its <c>Cancellation Timeout</c>, as
/// happens on a loaded machine), so it kept the lock until the sleep ended: up to a minute with no run of the
/// connector anywhere. The lock sessions therefore have the server check that their client is still there every
/// second while a query runs (<c>client_connection_check_interval</c>) and probe a silent peer with TCP keepalives,
/// so a lost holder lets go of its locks well within <c>Runner:FailoverAfter</c>; and a cancellation is given
/// <c>Runner:FailoverAfter</c> / 3 to be answered before the connection is broken.
/// </para>
/// </remarks>
public sealed partial class ConnectorLocks
{
    private const int Probes = 3;

    private readonly string _connectionString;
    private readonly TimeSpan _keepalive;

    private readonly ILogger<ConnectorLocks> _logger;

    public ConnectorLocks(IConfiguration configuration, IOptions<RunnerOptions> options, ILogger<ConnectorLocks> logger)
    {
        _logger = logger;
        var failoverAfter = options.Value.FailoverAfter;
        // A silent peer is probed after a third of the fail-over time, then Probes times over another third.
        var probeAfter = Math.Max(1, (int)(failoverAfter.TotalSeconds / 3));
        var probeEvery = Math.Max(1, (int)(failoverAfter.TotalSeconds / 3 / Probes));
        var connection = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(ResourceNames.Database)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ResourceNames.Database} is not set."))
        {
            // The replica's own name on its lock sessions (pg_stat_activity shows which replica holds which lock), and a
            // pool of lock connections per replica.
            ApplicationName = $"runner-locks-{Guid.NewGuid().ToString("N")[..8]}",
            Options = string.Join(' ',
                $"-c idle_session_timeout={(long)failoverAfter.TotalMilliseconds}",
                "-c client_connection_check_interval=1000",
                $"-c tcp_keepalives_idle={probeAfter}",
                $"-c tcp_keepalives_interval={probeEvery}",
                $"-c tcp_keepalives_count={Probes}"),
            CancellationTimeout = (int)Math.Max(2_000, failoverAfter.TotalMilliseconds / 3),
            // A connection back in the pool holds no lock: closed well before the server would end it.
            ConnectionIdleLifetime = Math.Max(1, (int)(failoverAfter.TotalSeconds / 3)),
            ConnectionPruningInterval = 1,
        };
        _connectionString = connection.ConnectionString;
        _keepalive = failoverAfter / 3;
    }

    /// <summary>
    /// The connector's lock if no one holds it now; null when another run of it is under way (on any replica). Its
    /// <see cref="IDistributedSynchronizationHandle.HandleLostToken"/> fires if the lock is lost (its connection ended).
    /// </summary>
    public async Task<IDistributedSynchronizationHandle?> TryAcquireAsync(string connector, CancellationToken cancellationToken) =>
        await new PostgresDistributedLock(
                new PostgresAdvisoryLockKey($"connectorhealth.runner.connector:{connector}", allowHashing: true),
                _connectionString,
                o => o.KeepaliveCadence(_keepalive).UseMultiplexing(false))
            .TryAcquireAsync(TimeSpan.Zero, cancellationToken) is { } handle
            ? new Held(handle, connector, _logger)
            : null;

    /// <summary>
    /// A lock whose release cannot fail its caller: a release that finds its connection broken has nothing left to
    /// do (the server let go of the lock with the session), so the run it guarded is not reported as failed.
    /// </summary>
    private sealed class Held(IDistributedSynchronizationHandle handle, string connector, ILogger logger) : IDistributedSynchronizationHandle
    {
        public CancellationToken HandleLostToken => handle.HandleLostToken;

        public void Dispose()
        {
            try
            {
                handle.Dispose();
            }
            catch (Exception ex) when (ex is InvalidOperationException or NpgsqlException)
            {
                LogReleaseFailed(logger, ex, connector);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await handle.DisposeAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or NpgsqlException)
            {
                LogReleaseFailed(logger, ex, connector);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The lock on {Connector} was released with its connection, which had broken (the server lets go of a broken session's locks)")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string connector);
}
