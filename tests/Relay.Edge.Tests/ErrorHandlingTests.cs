using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Edge.Streams;
using Relay.Testing;

namespace Relay.Edge.Tests;

/// <summary>One exception handler: every failure on every route is an answer of the taxonomy, with the request's id.</summary>
public sealed class ErrorHandlingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("GET", "v1/chat/stream/some-stream-1")]
    [InlineData("DELETE", "v1/chat/stream/some-stream-1")]
    public async Task With_the_store_down_resume_and_cancel_answer_503_STORE_UNAVAILABLE_with_Retry_After(string method, string path)
    {
        await using var servers = await RelayServers.StartAsync(edgeServices: s => s.AddSingleton<IStreamStore>(sp => new FailingStore(sp, new StreamErrorException(StreamError.Create(StreamErrorCode.StoreUnavailable, retryAfter: TimeSpan.FromSeconds(1))))), cancellationToken: Ct);
        using var http = servers.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("X-Request-Id", "req-store-down");
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("STORE_UNAVAILABLE", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.True(body.RootElement.GetProperty("error").GetProperty("retryable").GetBoolean());
        Assert.Equal("req-store-down", body.RootElement.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task An_unexpected_exception_is_500_INTERNAL_ERROR_in_the_edges_shape_and_in_OpenAIs_on_its_routes()
    {
        await using var servers = await RelayServers.StartAsync(edgeServices: s => s.AddSingleton<IStreamStore>(sp => new FailingStore(sp, new InvalidOperationException("a defect"))), cancellationToken: Ct);
        using var http = servers.CreateClient();
        using var resume = await http.GetAsync("v1/chat/stream/some-stream-1", Ct);
        Assert.Equal(HttpStatusCode.InternalServerError, resume.StatusCode);
        using var edgeBody = JsonDocument.Parse(await resume.Content.ReadAsStringAsync(Ct));
        Assert.Equal("INTERNAL_ERROR", edgeBody.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(resume.Headers.GetValues("X-Request-Id").Single(), edgeBody.RootElement.GetProperty("request_id").GetString());
        Assert.DoesNotContain("a defect", edgeBody.RootElement.GetRawText(), StringComparison.Ordinal);

        using var completions = await http.PostAsync("v1/chat/completions", new StringContent("""{"messages":[{"role":"user","content":"x"}],"stream":true}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.InternalServerError, completions.StatusCode);
        using var openAiBody = JsonDocument.Parse(await completions.Content.ReadAsStringAsync(Ct));
        Assert.Equal("internal_error", openAiBody.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("server_error", openAiBody.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.True(openAiBody.RootElement.TryGetProperty("request_id", out _));
    }

    /// <summary>The in-memory store, except that looking a stream up or creating one fails with the given exception.</summary>
    private sealed class FailingStore(IServiceProvider services, Exception failure)
        : DelegatingStore(new InMemoryStreamStore(services.GetRequiredService<IOptions<RelayEdgeOptions>>()))
    {
        public override ValueTask<bool> CreateAsync(string streamId, StreamInfo info, CancellationToken cancellationToken = default) => throw failure;

        public override ValueTask<StreamInfo?> GetInfoAsync(string streamId, CancellationToken cancellationToken = default) => throw failure;
    }
}
