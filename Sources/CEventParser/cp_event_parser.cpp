#include "cp_event_parser.h"
