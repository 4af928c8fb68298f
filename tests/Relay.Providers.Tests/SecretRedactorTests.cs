namespace Relay.Providers.Tests;

public sealed class SecretRedactorTests
{
    private const string Key = "sk-or-v1-0123456789abcdef";

    [Theory]
    [InlineData("bad key sk-or-v1-0123456789abcdef here", "bad key [redacted] here")]
    [InlineData("key=\"sk-or-v1-0123456789abcdef\".", "key=\"[redacted]\".")]
    [InlineData("Authorization: Bearer sk-or-v1-0123456789abcdef", "Authorization: Bearer [redacted]")]
    [InlineData("xsk-or-v1-0123456789abcdef and sk-or-v1-0123456789abcdefg stay: not the key", "xsk-or-v1-0123456789abcdef and sk-or-v1-0123456789abcdefg stay: not the key")]
    public void The_key_is_redacted_as_a_whole_token_only(string text, string expected) =>
        Assert.Equal(expected, new SecretRedactor(Key).Clean(text));

    [Fact]
    public void A_key_shorter_than_8_characters_is_not_cut_out_of_other_words()
    {
        const string Text = "The model is unavailable; please try another model.";
        Assert.Equal(Text, new SecretRedactor("model").Clean(Text));
        Assert.Equal(Text, new SecretRedactor("a").Clean(Text));
    }
}
