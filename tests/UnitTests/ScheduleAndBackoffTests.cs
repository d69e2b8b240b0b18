using ConnectorHealth.Runner;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Runs;

namespace ConnectorHealth.UnitTests;

public class ScheduleAndBackoffTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AnIntervalScheduleRunsAtOnceThenEveryInterval()
    {
        var schedule = ConnectorSchedule.Every(TimeSpan.FromMinutes(5));

        Assert.Equal(Noon, schedule.First(Noon));
        Assert.Equal(Noon.AddMinutes(5), schedule.Next(due: Noon, now: Noon.AddSeconds(3)));
        Assert.Equal(TimeSpan.FromMinutes(5), schedule.ExpectedInterval(Noon));
    }

    [Fact]
    public void ARunThatOverranItsSlotIsFollowedAtOnceNotByABurst()
    {
        var schedule = ConnectorSchedule.Every(TimeSpan.FromMinutes(5));
        var finished = Noon.AddMinutes(17);

        var next = schedule.Next(due: Noon, now: finished);

        Assert.Equal(finished, next);
        Assert.Equal(finished.AddMinutes(5), schedule.Next(due: next, now: next.AddSeconds(1)));
    }

    [Fact]
    public void ACronScheduleRunsAtItsNextOccurrenceInUtc()
    {
        var schedule = ConnectorSchedule.For(new ConnectorOptions { Kind = "good_api", Cron = "*/15 * * * *" });

        Assert.Equal(Noon.AddMinutes(15), schedule.First(Noon.AddMinutes(3)));
        Assert.Equal(Noon.AddMinutes(30), schedule.Next(due: Noon.AddMinutes(15), now: Noon.AddMinutes(16)));
        Assert.Equal(TimeSpan.FromMinutes(15), schedule.ExpectedInterval(Noon));
        // A slow run skips the slots it missed instead of running them back to back.
        Assert.Equal(Noon.AddMinutes(60), schedule.Next(due: Noon.AddMinutes(15), now: Noon.AddMinutes(47)));
    }

    [Fact]
    public void ACronExpressionWithSixFieldsHasSeconds()
    {
        var schedule = ConnectorSchedule.For(new ConnectorOptions { Kind = "good_api", Cron = "*/10 * * * * *" });

        Assert.Equal(Noon.AddSeconds(10), schedule.First(Noon.AddSeconds(1)));
    }

    [Theory]
    [InlineData("not cron")]
    [InlineData("61 * * * *")]
    [InlineData("")]
    public void InvalidCronIsRecognised(string expression) => Assert.False(ConnectorSchedule.TryParseCron(expression, out _));

    [Fact]
    public void BackoffGrowsExponentiallyUpToTheCapWithoutJitter()
    {
        var retry = new RetryOptions { InitialDelay = TimeSpan.FromMilliseconds(500), Multiplier = 2, MaxDelay = TimeSpan.FromSeconds(3), Jitter = false };
        var random = new Random(1);

        var delays = Enumerable.Range(1, 5).Select(n => Backoff.Delay(retry, n, null, random).Delay.TotalMilliseconds).ToArray();

        Assert.Equal([500, 1000, 2000, 3000, 3000], delays);
    }

    [Fact]
    public void JitterSpreadsEachDelayOverItsUpperHalf()
    {
        var retry = new RetryOptions { InitialDelay = TimeSpan.FromSeconds(1), Multiplier = 2, MaxDelay = TimeSpan.FromSeconds(30), Jitter = true };
        var random = new Random(42);

        var delays = Enumerable.Range(0, 1000).Select(_ => Backoff.Delay(retry, 3, null, random).Delay.TotalMilliseconds).ToList();

        Assert.All(delays, d => Assert.InRange(d, 2000, 4000));
        Assert.True(delays.Distinct().Count() > 900, "jittered delays should differ");
        Assert.InRange(delays.Average(), 2900, 3100);
    }

    [Fact]
    public void RetryAfterIsHonouredUpToTheCap()
    {
        var retry = new RetryOptions { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(30) };
        var random = new Random(1);

        Assert.Equal((TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7)), Backoff.Delay(retry, 1, TimeSpan.FromSeconds(7), random));
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), Backoff.Delay(retry, 1, TimeSpan.FromMinutes(10), random));
    }
}
