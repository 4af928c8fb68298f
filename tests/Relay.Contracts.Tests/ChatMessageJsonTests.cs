using System.Text.Json;

namespace Relay.Contracts.Tests;

public sealed class ChatMessageJsonTests
{
    private const string Image = "data:image/png;base64,iVBORw0KGgo=";

    [Fact]
    public void A_text_message_has_string_content_and_one_with_an_image_an_array_of_parts()
    {
        var request = new ChatRequest
        {
            Messages =
            [
                ChatMessage.System("be brief"),
                ChatMessage.FromParts(ChatRole.User, [ContentPart.FromText("What is "), ContentPart.FromText("this?"), ContentPart.FromImage(Image)]),
                new ChatMessage(ChatRole.Assistant, null) { ToolCalls = [new ToolCall("call_1", "look", "{}")] },
                new ChatMessage(ChatRole.Tool, "a cat") { ToolCallId = "call_1" },
            ],
        };
        var json = JsonSerializer.Serialize(request, RelayJsonContext.Default.ChatRequest);
        Assert.Equal(
            """{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"What is "},{"type":"text","text":"this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]},{"role":"assistant","tool_calls":[{"id":"call_1","name":"look","arguments":"{}"}]},{"role":"tool","content":"a cat","tool_call_id":"call_1"}]}""",
            json);

        var back = JsonSerializer.Deserialize(json, RelayJsonContext.Default.ChatRequest)!;
        Assert.Equal("What is this?", back.Messages[1].Content);
        Assert.Equal([ContentPart.TextType, ContentPart.TextType, ContentPart.ImageType], back.Messages[1].Parts!.Select(p => p.Type));
        Assert.Equal(Image, back.Messages[1].Parts![2].ImageUrl!.Url);
        Assert.Equal("call_1", Assert.Single(back.Messages[2].ToolCalls!).Id);
        Assert.Equal(json, JsonSerializer.Serialize(back, RelayJsonContext.Default.ChatRequest));
    }

    [Fact]
    public void An_array_of_text_parts_only_is_read_as_its_text()
    {
        var message = JsonSerializer.Deserialize("""{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}""", RelayJsonContext.Default.ChatRequest)!.Messages[0];
        Assert.Equal("ab", message.Content);
        Assert.Null(message.Parts);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":5}]}""")]
    [InlineData("""{"messages":[{"role":"user","content":[{"text":"no type"}]}]}""")]
    [InlineData("""{"messages":["a message is an object"]}""")]
    public void Content_of_another_shape_is_a_JSON_error(string json) =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, RelayJsonContext.Default.ChatRequest));
}
