using ConnectorHealth.ServiceDefaults;
using Npgsql;

namespace ConnectorHealth.UnitTests;

public sealed class TransientFailuresTests
{
    [Theory]
    [InlineData(PostgresErrorCodes.AdminShutdown)]
    [InlineData(PostgresErrorCodes.CrashShutdown)]
    [InlineData(PostgresErrorCodes.CannotConnectNow)]
    public void ADatabaseGoingAwayOrComingBackIsWaitedOut(string sqlState) =>
        Assert.True(TransientFailures.IsTransient(new PostgresException("server going away", "FATAL", "FATAL", sqlState)));

    [Fact]
    public void TheServerShuttingDownInsideAnotherFailureIsStillAnOutage() =>
        Assert.True(TransientFailures.IsTransient(new InvalidOperationException("processing the batch failed",
            new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", PostgresErrorCodes.AdminShutdown))));

    [Theory]
    [InlineData(PostgresErrorCodes.UniqueViolation)]
    [InlineData(PostgresErrorCodes.InvalidTextRepresentation)]
    [InlineData(PostgresErrorCodes.UntranslatableCharacter)]
    public void AFailureOfTheMessageItselfIsNotWaitedOut(string sqlState) =>
        Assert.False(TransientFailures.IsTransient(new PostgresException("the value is refused", "ERROR", "ERROR", sqlState)));
}
