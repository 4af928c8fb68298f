using System.Net;
using System.Text;

namespace Relay.Client.Tests;

/// <summary>A fake edge: answers requests in order from a script and records them.</summary>
public sealed class EdgeScript : HttpMessageHandler
{
    private readonly Queue<Func<HttpRequestMessage, HttpResponseMessage>> _answers = new();

    public List<(HttpMethod Method, string Path, string? LastEventId, string Body)> Requests { get; } = [];

    public EdgeScript Then(Func<HttpRequestMessage, HttpResponseMessage> answer)
    {
        _answers.Enqueue(answer);
        return this;
    }

    /// <summary>An SSE body that ends (EOF) after the given frames; no terminal event means a cut connection.</summary>
    public EdgeScript ThenSse(params string[] frames) => Then(_ => new HttpResponseMessage(HttpStatusCode.OK)
    {
        Content = new StringContent(string.Concat(frames), Encoding.UTF8, "text/event-stream"),
    });

    public EdgeScript ThenStatus(HttpStatusCode status, string code, bool retryable, int? retryAfterSeconds = null) => Then(_ =>
    {
        var response = new HttpResponseMessage(status)
        {
            Content = new StringContent($"{{\"error\":{{\"code\":\"{code}\",\"message\":\"scripted\",\"retryable\":{(retryable ? "true" : "false")},\"retry_after_ms\":null}}}}", Encoding.UTF8, "application/json"),
        };
        if (retryAfterSeconds is { } s)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(s));
        }

        return response;
    });

    public EdgeScript ThenThrow() => Then(_ => throw new HttpRequestException("Connection refused"));

    public static string Frame(string streamId, int seq, string name, string data, int? retry = null) =>
        $"id: {streamId}:{seq}\nevent: {name}\ndata: {data}\n{(retry is { } r ? $"retry: {r}\n" : "")}\n";

    public static string Start(string streamId) => Frame(streamId, 1, "start", $"{{\"stream_id\":\"{streamId}\",\"model\":\"m\",\"provider\":\"p\"}}", 250);

    public static string Delta(string streamId, int seq, string text) => Frame(streamId, seq, "delta", $"{{\"text\":\"{text}\"}}");

    public static string Done(string streamId, int seq) => Frame(streamId, seq, "done", "{\"finish_reason\":\"stop\"}");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        request.Headers.TryGetValues("Last-Event-ID", out var ids);
        Requests.Add((request.Method, request.RequestUri!.PathAndQuery, ids?.FirstOrDefault(), body));
        return _answers.Count > 0 ? _answers.Dequeue()(request) : throw new HttpRequestException("script exhausted");
    }
}
