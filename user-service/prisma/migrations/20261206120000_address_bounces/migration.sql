-- When a message to the user's current email / phone bounced for good (user.address_bounced from
-- notification-service). NULL: no bounce known for the current address; changing it clears the flag.
ALTER TABLE "users" ADD COLUMN "email_bounced_at" TIMESTAMPTZ(3),
ADD COLUMN "phone_bounced_at" TIMESTAMPTZ(3);
