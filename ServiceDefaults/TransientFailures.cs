using System.Net.Sockets;
using Npgsql;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// Failures that waiting cures: the database or the broker is away or overloaded. They are retried until they pass;
/// anything else is a property of the message itself and is set aside instead of blocking what comes after it.
/// </summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case NpgsqlException npgsql when npgsql.IsTransient:
                // The server is shutting down or crashed: its connections end with these, and it is back after a restart
                // (Npgsql counts only failing to connect, 57P03, as transient).
                case PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown }:
                case TimeoutException:
                case SocketException:
                case IOException:
                    return true;
            }
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsTransient))
            {
                return true;
            }
            // RabbitMQ and MassTransit transport failures, named rather than referenced so this stays dependency-free.
            if (e.GetType().Name is "BrokerUnreachableException" or "AlreadyClosedException" or "RabbitMqConnectionException"
                or "ConnectionException" or "TransportUnavailableException" or "BrokerUnavailableException")
            {
                return true;
            }
        }
        return false;
    }
}
