namespace ConnectorHealth.IntegrationTests.Infrastructure;

/// <summary>
/// The one way these tests wait for something to happen: poll a condition until it holds, or fail with what was
/// awaited. An exception from the condition fails the wait at once; a condition that expects failures while it waits
/// (a server still starting) catches them itself and answers false.
/// </summary>
internal static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Waited {limit.TotalSeconds:F0} s for {what}.");
            }
            await Task.Delay(Interval);
        }
    }
}
