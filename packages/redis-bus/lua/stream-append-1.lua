-- Appends the messages one send call has for one stream, each as an entry of its own, in order: one command and one
-- reply for the group instead of an XADD apiece (each costs the client a command object and a reply to parse).
-- KEYS[1]   the stream
-- ARGV[1]   "1": append only if the stream exists (a topic's: it exists while some endpoint subscribes);
--           "0": create it when missing (an endpoint's command stream)
-- ARGV[2]   the entries' field name
-- ARGV[3..] the messages, one entry each
-- returns   the number of entries appended: every message, or 0 when ARGV[1] is "1" and the stream does not exist
--           (nobody subscribes to the topic, so nothing is stored)
-- errors    XADD's (WRONGTYPE: KEYS[1] is not a stream). An error stops the script on the first XADD in practice;
--           should one stop it later, the entries before it stay, and the caller's retry duplicates them (dedupe).
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 3, #ARGV do redis.call('XADD', KEYS[1], '*', ARGV[2], ARGV[i]) end
return #ARGV - 2
