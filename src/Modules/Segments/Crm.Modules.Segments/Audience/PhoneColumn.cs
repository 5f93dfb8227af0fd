using System.Buffers.Text;

namespace Crm.Modules.Segments.Audience;

/// <summary>
/// Phones in eight bytes a row: an E.164 number (<c>+</c> and up to 15 digits, no leading zero) is kept as its digits'
/// value, which gives back the same text; any other text (a phone the Customers module did not normalise) is kept
/// aside by row. 0 is "none".
/// </summary>
internal sealed class PhoneColumn
{
    private const long Other = -1;
    private readonly ValueColumn<long> _numbers = new(0);
    private readonly Dictionary<int, byte[]> _others = [];

    public long Bytes => _numbers.Bytes + _others.Sum(o => 32L + o.Value.Length);

    public void Resize(int capacity) => _numbers.Resize(capacity);

    public bool Has(int row) => _numbers[row] != 0;

    public void Set(int row, string? phone)
    {
        _others.Remove(row);
        if (phone is null)
        {
            _numbers[row] = 0;
            return;
        }

        if (phone.Length is > 1 and <= 16 && phone[0] == '+' && phone[1] != '0'
            && phone.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0)
        {
            _numbers[row] = long.Parse(phone.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
            return;
        }

        _others[row] = System.Text.Encoding.UTF8.GetBytes(phone);
        _numbers[row] = Other;
    }

    /// <summary>The row's phone as UTF-8 in <paramref name="buffer"/> (at least 64 bytes, or the length of an odd phone); its length.</summary>
    public int Get(int row, ref byte[] buffer)
    {
        var number = _numbers[row];
        if (number == Other)
        {
            var text = _others[row];
            if (text.Length > buffer.Length)
            {
                buffer = new byte[text.Length];
            }

            text.CopyTo(buffer, 0);
            return text.Length;
        }

        buffer[0] = (byte)'+';
        Utf8Formatter.TryFormat(number, buffer.AsSpan(1), out var written);
        return written + 1;
    }
}
