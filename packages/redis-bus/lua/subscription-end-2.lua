-- Unsubscribes an endpoint from a topic: removes the topic from the endpoint's subscriptions and records it as
-- draining up to the cutoff (entries up to it are still handed over; later ones are not). A topic that was not
-- subscribed is left alone, so calling it twice keeps the first cutoff.
-- KEYS[1]  the endpoint's subscriptions (a set of topics)
-- KEYS[2]  the endpoint's draining topics (a hash topic -> cutoff id)
-- ARGV[1]  the topic
-- ARGV[2]  the cutoff id
-- returns  1 when the topic was subscribed (now draining), 0 otherwise
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
