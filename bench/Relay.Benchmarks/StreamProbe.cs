using System.Diagnostics;
using System.Text;
using Relay.Contracts.Sse;

namespace Relay.Benchmarks;

/// <summary>Sends one streaming request and times the first delta and the gaps between deltas, as the client sees them.</summary>
internal static class StreamProbe
{
    public static async Task<(double FirstTokenMs, List<double> GapsMs)> RunAsync(HttpClient http, Uri url, string body, string deltaEvent, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var start = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        double first = -1;
        long last = 0;
        var gaps = new List<double>();
        await foreach (var frame in SseEventReader.ReadAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken))
        {
            var isDelta = deltaEvent == "message" ? frame.Data.Contains("\"content\":\"", StringComparison.Ordinal) && !frame.Data.Contains("\"content\":\"\"", StringComparison.Ordinal) : frame.EventType == deltaEvent;
            if (!isDelta)
            {
                continue;
            }

            var now = Stopwatch.GetTimestamp();
            if (first < 0)
            {
                first = Stopwatch.GetElapsedTime(start, now).TotalMilliseconds;
            }
            else
            {
                gaps.Add(Stopwatch.GetElapsedTime(last, now).TotalMilliseconds);
            }

            last = now;
        }

        return (first, gaps);
    }
}
