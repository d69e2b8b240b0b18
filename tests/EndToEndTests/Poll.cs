using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ConnectorHealth.EndToEndTests;

/// <summary>
/// The one way these tests wait on the running system: poll until something holds, or fail with what was awaited.
/// An exception from the probe fails the wait at once.
/// </summary>
internal static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    public static Task UntilAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition() ? true : (bool?)null), what, timeout);

    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(async () => await condition() ? true : (bool?)null, () => what, timeout);

    /// <summary>Waits until <paramref name="probe"/> answers a value, and returns it.</summary>
    public static Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null) where T : struct =>
        UntilAsync(probe, () => what, timeout);

    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, Func<string> what, TimeSpan? timeout = null) where T : struct
    {
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Waited {limit.TotalSeconds:F0} s for {what()}.");
            }
            await Task.Delay(Interval);
        }
    }

    /// <summary>Waits until <paramref name="path"/> answers 200 and returns its body; any answer but 200 or 404 fails at once.</summary>
    public static Task<JsonElement> UntilFoundAsync(HttpClient client, string path) =>
        UntilAsync(async () =>
        {
            var response = await client.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            return (JsonElement?)null;
        }, $"{path} to be found", TimeSpan.FromSeconds(60));
}
