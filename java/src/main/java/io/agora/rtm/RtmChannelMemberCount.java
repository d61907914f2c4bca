package io.agora.rtm;

/** The number of members of a channel. */
public class RtmChannelMemberCount {
    private String channelID;
    private int memberCount;

    public RtmChannelMemberCount() {
    }

    public RtmChannelMemberCount(String channelID, int memberCount) {
        this.channelID = channelID;
        this.memberCount = memberCount;
    }

    public void setChannelID(String channelID) {
        this.channelID = channelID;
    }

    public void setMemberCount(int memberCount) {
        this.memberCount = memberCount;
    }

    public String getChannelID() {
        return channelID;
    }

    public int getMemberCount() {
        return memberCount;
    }

    @Override
    public String toString() {
        return "RtmChannelMemberCount{channelID='" + channelID + "', memberCount=" + memberCount + "}";
    }
}
